import { randomBytes, randomInt } from "node:crypto";
import { createAuthLambda } from "../../functions/auth/auth-lambda";
import {
  AUTH_BASE_PATH,
  type Auth,
  type AuthSettings,
  CLIENT_IP_HEADER,
  createAuth,
} from "../../functions/auth/create-auth";
import type { Database } from "../../functions/db/database";
import { apiAudience } from "../../functions/shared/settings";
import { lambdaClient } from "./gateway-events";
import { mailTokenOf, newestMailTo, testMailSender } from "./mail";

/**
 * Helpers for suites that need a real Better Auth instance on a test database (this folder's
 * tests, and the authorizer and tasks suites that need genuine tokens).
 */
export const TEST_ORIGIN = "http://127.0.0.1:3000";
export const TEST_ISSUER = TEST_ORIGIN;
export const TEST_AUDIENCE = apiAudience(TEST_ORIGIN);
export const TEST_PASSWORD = "correct horse battery";

/** Settings as createAuthHandler derives them from its config, for an origin-local test stack. */
export function testAuthSettings(
  db: Database,
  overrides: Partial<AuthSettings> = {},
): AuthSettings {
  return {
    db,
    secret: randomBytes(32).toString("base64url"),
    baseURL: TEST_ORIGIN,
    trustedOrigins: [TEST_ORIGIN],
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    mail: testMailSender(),
    ...overrides,
  };
}

/** "lambda": the API Gateway v2 event path the deployed function takes; "handler": auth.handler. */
export type Surface = "lambda" | "handler";
export const SURFACES: Surface[] = ["lambda", "handler"];

export interface CallOptions {
  body?: unknown;
  /** A Cookie header value, e.g. from cookieHeader(). */
  cookie?: string;
  headers?: Record<string, string>;
  /** The caller's address; a fresh random one per call unless given, so limits stay out of the way. */
  sourceIp?: string;
}

export type AuthCall = (method: string, path: string, options?: CallOptions) => Promise<Response>;

/** A Better Auth instance on a test database, with the settings it was created with. */
export interface TestAuth {
  readonly auth: Auth;
  readonly settings: AuthSettings;
  /** Calls it through `surface`: the deployed Lambda path unless told otherwise. */
  caller(surface?: Surface): AuthCall;
}

/**
 * Better Auth on `database` with the test settings. `database` may be a suite's fixture: the
 * instance is created on first use (inside a test or hook), so this reads at describe level.
 */
export function createTestAuth(
  database: { readonly db: Database },
  overrides: Partial<AuthSettings> = {},
): TestAuth {
  let instance: { auth: Auth; settings: AuthSettings } | undefined;
  const created = () => {
    if (!instance) {
      const settings = testAuthSettings(database.db, overrides);
      instance = { auth: createAuth(settings), settings };
    }
    return instance;
  };
  return {
    get auth() {
      return created().auth;
    },
    get settings() {
      return created().settings;
    },
    caller(surface = "lambda") {
      let call: AuthCall | undefined;
      return (method, path, options) => {
        call ??= authCaller(created().auth, surface);
        return call(method, path, options);
      };
    },
  };
}

/**
 * Calls Better Auth at `${origin}${AUTH_BASE_PATH}${path}` through the chosen surface, as the
 * site on `origin` would. `originSecret` is the Lambda's ORIGIN_VERIFY_SECRET (default none: only
 * API Gateway's sourceIp counts).
 */
export function authCaller(
  auth: Auth,
  surface: Surface,
  origin: string = TEST_ORIGIN,
  { originSecret }: { originSecret?: string } = {},
): AuthCall {
  const lambda = lambdaClient("auth", createAuthLambda(auth, { originSecrets: [originSecret] }));
  return async (method, path, options = {}) => {
    const sourceIp = options.sourceIp ?? randomAddress();
    const headers: Record<string, string> = { origin, ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.cookie) headers.cookie = options.cookie;
    if (surface === "handler") headers[CLIENT_IP_HEADER] = sourceIp;
    const request = new Request(`${origin}${AUTH_BASE_PATH}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (surface === "handler") return auth.handler(request);
    return lambda(request, { sourceIp });
  };
}

/** The Cookie header a browser would send back after this response. */
export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0] ?? "")
    .filter((pair) => pair && !pair.endsWith("="))
    .join("; ");
}

export interface SignedUpUser {
  id: string;
  email: string;
  cookie: string;
}

/**
 * Signs up and, when the instance requires verified addresses (the default), follows the link
 * of the verification mail from the test outbox as the site's landing page does; the cookie is
 * the session either way.
 */
export async function signUp(
  call: AuthCall,
  email: string,
  password: string = TEST_PASSWORD,
): Promise<SignedUpUser> {
  const response = await call("POST", "/sign-up/email", {
    body: { email, password, name: email.split("@")[0] },
  });
  if (response.status !== 200) {
    throw new Error(`sign-up failed with ${response.status}: ${await response.text()}`);
  }
  const body = (await response.json()) as { token: string | null; user: { id: string } };
  if (body.token !== null) return { id: body.user.id, email, cookie: cookieHeader(response) };
  return { id: body.user.id, email, cookie: await verifyEmail(call, email) };
}

/** Follows the newest verification link mailed to `email`; answers the session cookie it sets. */
export async function verifyEmail(call: AuthCall, email: string): Promise<string> {
  const token = mailTokenOf(await newestMailTo(email, "verify-email"));
  const response = await call("GET", `/verify-email?token=${encodeURIComponent(token)}`);
  if (response.status !== 200) {
    throw new Error(`verification failed with ${response.status}: ${await response.text()}`);
  }
  return cookieHeader(response);
}

/** The id of the Better Auth session behind `cookie` (what its tokens carry as `sid`). */
export async function sessionIdOf(call: AuthCall, cookie: string): Promise<string> {
  const response = await call("GET", "/get-session", { cookie });
  const body = (await response.json()) as { session?: { id: string } } | null;
  if (!body?.session) throw new Error(`no session behind this cookie (${response.status})`);
  return body.session.id;
}

/** A signed-in user's access token from GET /api/auth/token. */
export async function accessToken(call: AuthCall, cookie: string): Promise<string> {
  const response = await call("GET", "/token", { cookie });
  if (response.status !== 200) throw new Error(`token request failed with ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(4).toString("hex")}@example.com`;
}

function randomAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}
