/**
 * Where the authorizer gets its verification keys: the public JWKS Better Auth publishes at
 * `/api/auth/jwks`, fetched over HTTP with jose's `createRemoteJWKSet` and held in memory.
 *
 * Why HTTP rather than reading the `jwks` table: that table also holds the (encrypted) private
 * keys, so reading it would give the authorizer database credentials and a path to signing
 * material; a leaked authorizer must not be able to mint tokens. The endpoint publishes exactly
 * the keys Better Auth considers valid (retired keys included until their grace period ends), so
 * the authorizer follows its rules instead of re-deriving them; and the authorizer needs no
 * secret, no database driver and no database connections.
 *
 * Cache (`cacheMaxAge: Infinity`): after the first load of a cold instance every verification runs
 * from memory, so the warm path does no I/O and keeps working while the auth function or the
 * database is down. Only an unknown `kid` reloads the set: a rotation's first new-key token does,
 * and every reload also drops keys Better Auth has stopped publishing. A retired key is thus
 * forgotten at the next reload, not at a fixed age; its tokens expire in 15 min anyway. To evict a
 * leaked key at once, retire it in the database and redeploy the authorizer (new instances). A
 * finite maxAge would instead block one warm request per period on a fetch, and deny everything
 * whenever that fetch failed.
 *
 * Cooldown (`JWKS_COOLDOWN_MS`, 30 s): jose reloads for an unknown `kid` only when its last
 * successful fetch is older than the cooldown, but it does not throttle failures, so a flood of
 * random `kid`s while the endpoint fails would fetch on every request. The gate below allows one
 * fetch attempt per window, successful or not: a flood costs the auth function at most one request
 * per instance per 30 s. The price: a new-key token that reaches an instance within 30 s of its last
 * fetch, or any token at a cold instance whose first fetch failed, is denied until the window opens.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation } from "jose";

export const JWKS_COOLDOWN_MS = 30_000;

/**
 * Room for a cold auth function plus a Neon compute waking up, while staying under the authorizer
 * Lambda's own 5 s timeout (infra/function-settings.ts) so a slow endpoint is a logged deny
 * (`key_source_unavailable`), not a timed-out invocation that API Gateway turns into a 500.
 */
export const JWKS_FETCH_TIMEOUT_MS = 3_500;

export interface JwksKeySourceOptions {
  /** The JWKS endpoint: `${api url}/api/auth/jwks` deployed, `${origin}/api/auth/jwks` locally. */
  url: string | URL;
  /** Replaces the network call (tests answer from Better Auth's handler, no server needed). */
  fetch?: FetchImplementation;
}

/** jose's remote key set: a key resolver for jwtVerify, plus `reload()` and `jwks()`. */
export type KeySource = ReturnType<typeof createRemoteJWKSet>;

/** Thrown instead of fetching when an attempt was already made in the current cooldown window. */
class KeySourceCoolingDown extends Error {
  constructor(retryInMs: number) {
    super(`JWKS fetch skipped: one was attempted in this cooldown window; next in ${retryInMs} ms`);
    this.name = "KeySourceCoolingDown";
  }
}

export function createJwksKeySource(options: JwksKeySourceOptions): KeySource {
  const url = new URL(options.url);
  const fetchImplementation: FetchImplementation = options.fetch ?? fetch;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;

  const gatedFetch: FetchImplementation = async (resource, init) => {
    const now = Date.now();
    const opensAt = lastAttemptAt + JWKS_COOLDOWN_MS;
    if (now < opensAt) throw new KeySourceCoolingDown(opensAt - now);
    lastAttemptAt = now;
    return fetchImplementation(resource, init);
  };

  return createRemoteJWKSet(url, {
    cacheMaxAge: Number.POSITIVE_INFINITY,
    cooldownDuration: JWKS_COOLDOWN_MS,
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    [customFetch]: gatedFetch,
  });
}
