/**
 * Bounds on the ids a token carries, shared by the token contract (zod, in the tasks API) and the
 * authorizer's hand checks (which must not import zod: it would grow that bundle twentyfold).
 */

/** Better Auth's user and session ids are 32 characters; anything past this is not one of ours. */
export const MAX_TOKEN_ID_LENGTH = 255;

/** A non-empty string of at most MAX_TOKEN_ID_LENGTH characters. */
export function isTokenId(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value.length <= MAX_TOKEN_ID_LENGTH;
}
