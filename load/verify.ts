/**
 * Token verification time, measured where it happens: the authorizer reports how long it took
 * to verify the JWT, the tasks API returns it as `Server-Timing: verify;dur=<ms>`, and this
 * script records it in the `verify_ms` Trend while sending authenticated requests at a constant
 * arrival rate.
 *
 * API Gateway caches an authorizer's answer per Authorization value (60 s), and a cached answer
 * repeats the verifyMs of the call that produced it. By default (FRESH_TOKENS=true) every
 * iteration therefore first mints a new token (GET /api/auth/token, users taken in turn so no two
 * tokens are alike) and the measured request is always a real verification. FRESH_TOKENS=false
 * reuses each user's token, measuring what clients see with the cache in play.
 *
 *   k6 run load/verify.ts
 *   k6 run -e BASE_URL=https://dxxxx.cloudfront.net -e RATE=50 load/verify.ts
 */
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { API_URL, arrivalRateVus, readBoolean, readDuration, readNumber } from "./lib/config.ts";
import { header } from "./lib/http-helpers.ts";
import { openLoopOptions, type UsersData, usersLifecycle } from "./lib/scenario.ts";
import { serverTimingDuration } from "./lib/server-timing.ts";
import { summaryHandler } from "./lib/summary.ts";
import { bearerFor, type LoadUser, requestToken } from "./lib/users.ts";

/** Authenticated requests per second. */
const RATE = readNumber("RATE", 20, { min: 1, integer: true });
const DURATION = readDuration("DURATION", "50s");
const USERS = readNumber("USERS", 30, { min: 1, max: 1000, integer: true });
const FRESH_TOKENS = readBoolean("FRESH_TOKENS", true);
if (FRESH_TOKENS && USERS < RATE) {
  // Tokens carry a second-resolution `iat`: a user minting twice in a second gets the same token,
  // and the gateway would answer the second request from its cache.
  throw new Error(
    `with FRESH_TOKENS=true, USERS (${USERS}) must be at least RATE (${RATE}): each user mints one distinct token a second`,
  );
}

const verifyMs = new Trend("verify_ms", true);

export const options: Options = openLoopOptions("verify", {
  rate: RATE,
  duration: DURATION,
  vus: arrivalRateVus(RATE),
  thresholds: { verify_ms: ["p(99)<5"] },
});

export const { setup, teardown } = usersLifecycle(USERS);

function authorizationFor(users: LoadUser[]): string | undefined {
  if (!FRESH_TOKENS) {
    const user = users[(exec.vu.idInTest - 1) % users.length];
    return user ? bearerFor(user) : undefined;
  }
  // Users in turn: each mints at most RATE/USERS tokens a second, so tokens (second-resolution
  // `iat`) do not repeat and the gateway cache never answers for the authorizer.
  const user = users[exec.scenario.iterationInTest % users.length];
  const token = user ? requestToken(user.cookies) : undefined;
  return token ? `Bearer ${token}` : undefined;
}

export default function (data: UsersData): void {
  const authorization = authorizationFor(data.users);
  if (!authorization) return;
  const response = http.get(`${API_URL}/tasks?limit=1`, {
    headers: { Authorization: authorization },
    tags: { endpoint: "verify", name: "GET /api/tasks" },
  });
  const duration = serverTimingDuration(header(response, "Server-Timing"), "verify");
  check(response, {
    "verify: 200": (r) => r.status === 200,
    "verify: Server-Timing carries verify;dur": () => duration !== undefined,
  });
  if (duration !== undefined) verifyMs.add(duration);
}

export const handleSummary = summaryHandler("verify");
