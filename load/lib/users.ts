import { check, fail, sleep } from "k6";
import encoding from "k6/encoding";
import http, { type Response } from "k6/http";
import { API_URL, BASE_URL } from "./config.ts";
import { excerpt, header, jsonObject } from "./http-helpers.ts";

/**
 * Load-test users: created by setup() through the public auth endpoints with unique e-mails,
 * carried to every VU in the setup data, and removed again by teardown().
 */
export interface LoadUser {
  email: string;
  password: string;
  /** The Better Auth session cookies (name → value) that GET /api/auth/token needs. */
  cookies: Record<string, string>;
  /** A JWT for `Authorization: Bearer`. */
  token: string;
  /** Epoch ms after which the token is replaced (a margin before its `exp`). */
  refreshAt: number;
}

/** Replace a token this long before it expires, so no request ever carries an expired one. */
const REFRESH_MARGIN_MS = 2 * 60 * 1000;
/** Better Auth's token lifetime, used when a token's `exp` cannot be read. */
const DEFAULT_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const MAX_RATE_LIMIT_RETRIES = 30;

/** Origin is what a browser sends; Better Auth checks it on cookie-carrying POSTs. */
const JSON_HEADERS = { "Content-Type": "application/json", Origin: BASE_URL };

/** A run id that makes this run's e-mails unique across runs and machines. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

function userEmail(runId: string, index: number): string {
  return `k6-${runId}-${index}@load-test.example.com`;
}

/** Retries while the auth function answers 429, waiting as long as it asks (X-Retry-After). */
function withRateLimitRetry(send: () => Response): Response {
  for (let attempt = 1; ; attempt++) {
    const response = send();
    if (response.status !== 429 || attempt > MAX_RATE_LIMIT_RETRIES) return response;
    const retryAfter = Number(header(response, "X-Retry-After") ?? header(response, "Retry-After"));
    sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) : 10);
  }
}

/** 429s are waited out, not failures: keep them out of http_req_failed. */
const SUCCESS_OR_RATE_LIMITED = http.expectedStatuses({ min: 200, max: 299 }, 429);

function sessionCookies(response: Response): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const [name, values] of Object.entries(response.cookies)) {
    const last = values[values.length - 1];
    if (last && last.value !== "" && last.maxAge >= 0) cookies[name] = last.value;
  }
  return cookies;
}

function cookieParams(
  cookies: Record<string, string>,
): Record<string, { value: string; replace: boolean }> {
  const params: Record<string, { value: string; replace: boolean }> = {};
  for (const [name, value] of Object.entries(cookies)) params[name] = { value, replace: true };
  return params;
}

/** The epoch ms at which to replace a token: its `exp` less the margin. */
export function refreshTimeOf(token: string, now: number): number {
  try {
    const payload = token.split(".")[1] ?? "";
    const claims = JSON.parse(encoding.b64decode(payload, "rawurl", "s")) as { exp?: unknown };
    if (typeof claims.exp === "number") return claims.exp * 1000 - REFRESH_MARGIN_MS;
  } catch {
    // An unreadable payload falls through to the documented lifetime.
  }
  return now + DEFAULT_TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS;
}

/** GET /api/auth/token with the session cookies: a fresh JWT, or undefined on failure. */
export function requestToken(cookies: Record<string, string>): string | undefined {
  const response = http.get(`${API_URL}/auth/token`, {
    cookies: cookieParams(cookies),
    jar: new http.CookieJar(),
    tags: { endpoint: "token", name: "GET /api/auth/token" },
  });
  const token = jsonObject(response)?.token;
  const ok = check(response, {
    "token: 200 with a JWT": (r) => r.status === 200 && typeof token === "string",
  });
  return ok && typeof token === "string" ? token : undefined;
}

/** Signs up one user and obtains its first token; aborts the run when that is impossible. */
export function createUser(runId: string, index: number): LoadUser {
  const email = userEmail(runId, index);
  const password = `k6-${runId}-Pw-${index}!`;
  const response = withRateLimitRetry(() =>
    http.post(
      `${API_URL}/auth/sign-up/email`,
      JSON.stringify({ email, password, name: `k6 load user ${index}` }),
      {
        headers: JSON_HEADERS,
        jar: new http.CookieJar(),
        responseCallback: SUCCESS_OR_RATE_LIMITED,
        tags: { endpoint: "sign-up", name: "POST /api/auth/sign-up/email" },
      },
    ),
  );
  const cookies = sessionCookies(response);
  const signedUp = check(response, {
    "sign-up: 200 with a session cookie": (r) =>
      r.status === 200 && Object.keys(cookies).length > 0,
  });
  if (!signedUp) {
    fail(
      `sign-up of ${email} answered ${response.status}: ${excerpt(response)}` +
        (response.status === 429
          ? " (rate-limited: run the local stack with AUTH_RATE_LIMIT=off or lower USERS)"
          : ""),
    );
  }
  const token = requestToken(cookies);
  if (!token) fail(`GET /api/auth/token for ${email} failed: is the jwt plugin enabled?`);
  return { email, password, cookies, token, refreshAt: refreshTimeOf(token, Date.now()) };
}

export function createUsers(count: number): LoadUser[] {
  const runId = newRunId();
  const users: LoadUser[] = [];
  for (let index = 0; index < count; index++) users.push(createUser(runId, index));
  return users;
}

/** Deletes a user (its tasks go with it, ON DELETE CASCADE); reports failures without aborting. */
export function deleteUser(user: LoadUser): boolean {
  const response = withRateLimitRetry(() =>
    http.post(`${API_URL}/auth/delete-user`, JSON.stringify({ password: user.password }), {
      headers: JSON_HEADERS,
      cookies: cookieParams(user.cookies),
      jar: new http.CookieJar(),
      responseCallback: SUCCESS_OR_RATE_LIMITED,
      tags: { endpoint: "delete-user", name: "POST /api/auth/delete-user" },
    }),
  );
  return check(response, { "delete-user: 200": (r) => r.status === 200 });
}

export function deleteUsers(users: LoadUser[]): void {
  let failed = 0;
  for (const user of users) if (!deleteUser(user)) failed++;
  if (failed > 0)
    console.warn(`teardown: ${failed} of ${users.length} load users were not deleted`);
}

/**
 * Per-VU token cache. Each VU holds its own copy (k6 gives every VU its own runtime): a token is
 * replaced with GET /api/auth/token before it expires, so runs longer than 15 minutes keep working.
 */
const freshTokens = new Map<string, { token: string; refreshAt: number }>();

export function bearerFor(user: LoadUser): string {
  const now = Date.now();
  const cached = freshTokens.get(user.email) ?? { token: user.token, refreshAt: user.refreshAt };
  if (now >= cached.refreshAt) {
    const token = requestToken(user.cookies);
    if (token) {
      cached.token = token;
      cached.refreshAt = refreshTimeOf(token, now);
    }
  }
  freshTokens.set(user.email, cached);
  return `Bearer ${cached.token}`;
}
