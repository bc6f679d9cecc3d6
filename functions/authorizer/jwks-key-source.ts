/**
 * Where the authorizer gets its verification keys: the public JWKS Better Auth publishes at
 * `/api/auth/jwks`, fetched over HTTP with jose's `createRemoteJWKSet` and held in memory.
 *
 * Why HTTP rather than reading the `jwks` table: the table also holds the (encrypted) private
 * keys, so reading it would hand the authorizer database credentials and a path to signing
 * material; a leaked authorizer must not be able to mint tokens. The JWKS endpoint publishes
 * exactly the public keys Better Auth considers valid, including retired keys during their grace
 * period, so the authorizer applies the same publication rules instead of re-deriving them.
 *
 * Cache: `cacheMaxAge` is Infinity, so once the set is loaded (first request after a cold start)
 * every verification runs from memory and the warm path does no I/O; the authorizer also keeps
 * working when the auth function or the database is down. Keys change in two ways, both handled
 * by the unknown-`kid` refresh: a rotation adds a key whose tokens carry a new `kid`, and that
 * first token reloads the whole set, which also drops keys Better Auth no longer publishes.
 * A retired key is therefore forgotten at the next rotation; to evict one immediately (a leaked
 * private key), retire it in the database and redeploy the authorizer, which recycles its
 * instances. A finite maxAge would instead put a blocking fetch on a warm request every period.
 *
 * Cooldown: jose refetches for an unknown `kid` only when its last successful fetch is older than
 * `JWKS_COOLDOWN_MS` (30 s). jose does not throttle failed fetches (it timestamps successes only), so a
 * flood of random `kid`s while the endpoint is failing would fetch once per request; the gate below
 * allows at most one fetch attempt per cooldown window, successful or not. While the gate is shut
 * an unknown `kid` is denied (and a cold instance with no keys denies everything) until the next
 * window opens: a flood costs the auth function one request per instance per 30 s at most.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation } from "jose";

export const JWKS_COOLDOWN_MS = 30_000;

/** Covers a cold auth function plus a Neon compute waking up; a slower endpoint counts as down. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;

export interface JwksKeySourceOptions {
  /** The JWKS endpoint, e.g. https://dxxxx.cloudfront.net/api/auth/jwks. */
  url: string | URL;
  /** Replaces the network call (tests answer from Better Auth's handler, no server needed). */
  fetch?: FetchImplementation;
}

/** jose's remote key set: a key resolver for jwtVerify, plus `reload()` and `jwks()`. */
export type KeySource = ReturnType<typeof createRemoteJWKSet>;

/** Thrown instead of fetching when an attempt was already made in the current cooldown window. */
export class KeySourceCoolingDown extends Error {
  constructor(retryInMs: number) {
    super(`JWKS fetch skipped: the last attempt was under the cooldown, retry in ${retryInMs} ms`);
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
