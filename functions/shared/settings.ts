import { secret, text } from "./config";

/** Settings more than one function reads, declared once so the functions cannot disagree. */

/** The database: Neon deployed; any Postgres, or embedded PGlite, locally (see openDatabase). */
export const databaseUrl = secret("DATABASE_URL");

/** `iss` of every access token: the public origin. The auth function signs, the authorizer checks. */
export const issuer = text("JWT_ISSUER");

/** `aud` of every access token: apiAudience(origin). */
export const audience = text("JWT_AUDIENCE");

/** The audience of the access tokens of a deployment: the API under its public origin. */
export function apiAudience(origin: string): string {
  return `${origin}/api`;
}
