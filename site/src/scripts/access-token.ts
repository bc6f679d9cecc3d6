/**
 * The bearer token for the tasks API: a short-lived JWT from Better Auth's GET /api/auth/token
 * (authorised by the session cookie), kept in memory only and reused until shortly before it
 * expires.
 */
import type { AccessTokenClaims } from "../../../functions/shared/access-token";
import type { AccessToken } from "../../../functions/tasks/openapi-auth-routes";
import { ApiError } from "./api-error";

export const TOKEN_PATH = "/api/auth/token";
/** Fetch a new token this long before `exp`, so a request never leaves with a dying token. */
export const REFRESH_BEFORE_EXPIRY_MS = 60_000;

export interface AccessTokenSource {
  /** A token that is valid for at least REFRESH_BEFORE_EXPIRY_MS, from memory when possible. */
  get(): Promise<string>;
  /** Drops the cached token and fetches a new one (after the API refused the cached one). */
  refresh(): Promise<string>;
}

export interface AccessTokenOptions {
  fetchImpl?: typeof fetch;
  now?: () => number;
  origin?: string;
}

/** The payload of a JWT, decoded without verification (the API verifies; the page only reads). */
export function readTokenClaims(token: string): Partial<AccessTokenClaims> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "=");
    const binary = atob(padded);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as Partial<AccessTokenClaims>)
      : null;
  } catch {
    return null;
  }
}

/** Reads `exp` (seconds since the epoch) from a JWT; null when it cannot be read. */
export function readTokenExpiry(token: string): number | null {
  const exp = readTokenClaims(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp : null;
}

export function createAccessTokenSource(options: AccessTokenOptions = {}): AccessTokenSource {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const url = `${options.origin ?? ""}${TOKEN_PATH}`;
  let cached: { token: string; reuseUntil: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "GET",
        credentials: "same-origin",
        headers: { accept: "application/json" },
        cache: "no-store",
      });
    } catch {
      throw ApiError.network();
    }
    if (response.status === 401 || response.status === 403) throw ApiError.sessionEnded();
    if (!response.ok) throw await ApiError.fromResponse(response);
    // Trusts the same-origin auth function to answer as the contract says; no JSON is a 502.
    const body = (await response.json().catch(() => null)) as AccessToken | null;
    const token = body?.token;
    if (!token) throw ApiError.fromStatus(502);
    const exp = readTokenExpiry(token);
    // A token whose expiry cannot be read is used for this one request and never cached.
    cached = exp === null ? null : { token, reuseUntil: exp * 1000 - REFRESH_BEFORE_EXPIRY_MS };
    return token;
  }

  function load(): Promise<string> {
    inFlight ??= fetchToken().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    get() {
      if (cached && now() < cached.reuseUntil) return Promise.resolve(cached.token);
      return load();
    },
    refresh() {
      cached = null;
      return load();
    },
  };
}
