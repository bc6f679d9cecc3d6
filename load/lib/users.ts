import { check, fail, sleep } from "k6";
import { SharedArray } from "k6/data";
import encoding from "k6/encoding";
import http, { type CookieJar, type Response } from "k6/http";
import { API_URL, BASE_URL, readString } from "./config.ts";
import { excerpt, header, jsonObject } from "./http-helpers.ts";
import { parseUsersFile, type SeededUser, verificationTokenIn } from "./seeded-users.ts";

/**
 * Load-test users, carried to every VU in the setup data. Two sources:
 * - by default setup() signs them up through the public auth endpoints with unique e-mails and,
 *   when the stage verifies e-mail (the default), verifies each through the local stack's inbox
 *   (`GET /_dev/mail.json`); teardown() removes them again;
 * - with K6_USERS_FILE (the JSON `npm run load:seed` writes for a deployed stage, which has no
 *   inbox), setup() signs in those pre-verified users; they are kept for the next run.
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
  /** From K6_USERS_FILE: the operator's users, never deleted by teardown(). */
  seeded: boolean;
}

const USERS_FILE = readString("K6_USERS_FILE", "");

/** Read once in the init context and shared by every VU (k6's SharedArray, from k6/data). */
const SEEDED_USERS: SeededUser[] =
  USERS_FILE === ""
    ? []
    : (new SharedArray("seeded load users", () =>
        parseUsersFile(open(USERS_FILE), USERS_FILE),
      ) as SeededUser[]);

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

/**
 * The session k6's cookie jar kept from the responses so far. The jar applies Max-Age and Expires
 * itself, so a cookie the server cleared is simply absent; the response's own `cookies` are not
 * read (k6 gives them snake_case fields, `max_age`, where @types/k6 declares `maxAge`).
 */
export function sessionCookies(jar: CookieJar): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const [name, values] of Object.entries(jar.cookiesForURL(`${API_URL}/auth/token`))) {
    const value = values[0];
    if (value) cookies[name] = value;
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

const INBOX_ATTEMPTS = 20;

/** The verification mail for `email` in the local stack's inbox; aborts when there is none. */
function readVerificationToken(email: string): string {
  for (let attempt = 1; attempt <= INBOX_ATTEMPTS; attempt++) {
    const response = http.get(`${BASE_URL}/_dev/mail.json?to=${encodeURIComponent(email)}`, {
      tags: { endpoint: "inbox", name: "GET /_dev/mail.json" },
    });
    if (response.status === 404) {
      fail(
        "sign-up needs e-mail verification and this stage has no local inbox (/_dev/mail.json): " +
          "seed verified users with `npm run load:seed` and pass K6_USERS_FILE",
      );
    }
    const messages = jsonObject(response)?.messages;
    if (Array.isArray(messages)) {
      for (const message of messages) {
        const text = (message as { text?: unknown } | null)?.text;
        const token = typeof text === "string" ? verificationTokenIn(text) : undefined;
        if (token) return token;
      }
    }
    sleep(0.25);
  }
  return fail(`no verification mail for ${email} in the local inbox`);
}

/** Signs in with e-mail and password: the session cookies, or aborts the run. */
function signIn(
  email: string,
  password: string,
  jar = new http.CookieJar(),
): Record<string, string> {
  const response = withRateLimitRetry(() =>
    http.post(`${API_URL}/auth/sign-in/email`, JSON.stringify({ email, password }), {
      headers: JSON_HEADERS,
      jar,
      responseCallback: SUCCESS_OR_RATE_LIMITED,
      tags: { endpoint: "sign-in", name: "POST /api/auth/sign-in/email" },
    }),
  );
  const cookies = sessionCookies(jar);
  const ok = check(response, {
    "sign-in: 200 with a session cookie": (r) =>
      r.status === 200 && Object.keys(cookies).length > 0,
  });
  if (!ok) {
    // A 200 body holds the session token: name the missing cookie instead of printing it.
    fail(
      response.status === 200
        ? `sign-in of ${email} answered 200 but k6's cookie jar holds no session cookie`
        : `sign-in of ${email} answered ${response.status}: ${excerpt(response)}`,
    );
  }
  return cookies;
}

/** Follows the verification link as the site's page does; signs in if it set no session. */
function verifyThroughInbox(
  email: string,
  password: string,
  jar: CookieJar,
): Record<string, string> {
  const token = readVerificationToken(email);
  const response = http.get(`${API_URL}/auth/verify-email?token=${encodeURIComponent(token)}`, {
    jar,
    tags: { endpoint: "verify-email", name: "GET /api/auth/verify-email" },
  });
  const verified = check(response, { "verify-email: 200": (r) => r.status === 200 });
  if (!verified)
    fail(`verify-email for ${email} answered ${response.status}: ${excerpt(response)}`);
  const cookies = sessionCookies(jar);
  return Object.keys(cookies).length > 0 ? cookies : signIn(email, password, jar);
}

/** A signed-in user's first token; aborts the run when there is none. */
function withFirstToken(
  email: string,
  password: string,
  cookies: Record<string, string>,
  seeded: boolean,
): LoadUser {
  const token = requestToken(cookies);
  if (!token) fail(`GET /api/auth/token for ${email} failed: is the jwt plugin enabled?`);
  return { email, password, cookies, token, refreshAt: refreshTimeOf(token, Date.now()), seeded };
}

/**
 * Signs up one user and obtains its first token; aborts the run when that is impossible. With
 * verification off sign-up already holds the session; with it on, the inbox link provides it.
 */
export function createUser(runId: string, index: number): LoadUser {
  const email = userEmail(runId, index);
  const password = `k6-${runId}-Pw-${index}!`;
  // This user's own jar: it collects the session from sign-up, the verification link or sign-in.
  const jar = new http.CookieJar();
  const response = withRateLimitRetry(() =>
    http.post(
      `${API_URL}/auth/sign-up/email`,
      JSON.stringify({ email, password, name: `k6 load user ${index}` }),
      {
        headers: JSON_HEADERS,
        jar,
        responseCallback: SUCCESS_OR_RATE_LIMITED,
        tags: { endpoint: "sign-up", name: "POST /api/auth/sign-up/email" },
      },
    ),
  );
  const signUpCookies = sessionCookies(jar);
  const signedUp = check(response, { "sign-up: 200": (r) => r.status === 200 });
  if (!signedUp) {
    fail(
      `sign-up of ${email} answered ${response.status}: ${excerpt(response)}` +
        (response.status === 429
          ? " (rate-limited: run the local stack with AUTH_RATE_LIMIT=off or lower USERS)"
          : ""),
    );
  }
  const cookies =
    Object.keys(signUpCookies).length > 0
      ? signUpCookies
      : verifyThroughInbox(email, password, jar);
  return withFirstToken(email, password, cookies, false);
}

/** `count` users: signed in from K6_USERS_FILE when given, else signed up for this run. */
export function createUsers(count: number): LoadUser[] {
  if (SEEDED_USERS.length > 0) {
    if (SEEDED_USERS.length < count) {
      fail(`K6_USERS_FILE lists ${SEEDED_USERS.length} users, fewer than USERS (${count})`);
    }
    return SEEDED_USERS.slice(0, count).map(({ email, password }) =>
      withFirstToken(email, password, signIn(email, password), true),
    );
  }
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

/** Deletes this run's own users; seeded ones stay for the next run. */
export function deleteUsers(users: LoadUser[]): void {
  let failed = 0;
  for (const user of users) if (!user.seeded && !deleteUser(user)) failed++;
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
