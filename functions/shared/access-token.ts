import { z } from "zod";

/**
 * The contract of the token path, declared once: auth mints access tokens with these claims, the
 * authorizer verifies them and hands the tasks API an AuthorizerContext built from them, and the
 * site reads the claims it shows. Only the tasks API parses with these schemas at runtime; auth,
 * the authorizer and the site import the inferred types, so no zod reaches their bundles.
 */

/** Better Auth's ids are 32 characters; this bounds what the API accepts as a user id. */
const MAX_USER_ID_LENGTH = 255;

/** The user id: Better Auth writes it as `sub`, the authorizer passes it on as `userId`. */
const UserIdSchema = z.string().min(1).max(MAX_USER_ID_LENGTH);

/** What auth's `definePayload` adds to a token: only what the site shows, never the user row. */
export const TokenProfileSchema = z.object({ email: z.string(), name: z.string() });

/** The claims the authorizer and the site read (jose checks `iss`, `aud`, `exp` and `nbf`). */
export const AccessTokenClaimsSchema = TokenProfileSchema.extend({
  sub: UserIdSchema,
  /** Seconds since the epoch. */
  exp: z.number(),
});

/** What the authorizer hands the tasks API in `requestContext.authorizer.lambda`. */
export const AuthorizerContextSchema = z.object({
  userId: UserIdSchema,
  /** Milliseconds spent verifying the token, to 3 decimals (sent on as Server-Timing). */
  verifyMs: z.number().nonnegative(),
});

export type TokenProfile = z.infer<typeof TokenProfileSchema>;
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;
export type AuthorizerContext = z.infer<typeof AuthorizerContextSchema>;
