import { z } from "zod";
import { MAX_TOKEN_ID_LENGTH } from "./token-ids";

/**
 * The contract of the token path, declared once: auth mints access tokens with these claims, the
 * authorizer verifies them and hands the tasks API an AuthorizerContext built from them, and the
 * site reads the claims it shows. Only the tasks API parses with these schemas at runtime; auth,
 * the authorizer and the site import the inferred types, so no zod reaches their bundles.
 */

/** The user id: Better Auth writes it as `sub`, the authorizer passes it on as `userId`. */
const UserIdSchema = z.string().min(1).max(MAX_TOKEN_ID_LENGTH);

/**
 * The Better Auth session the token was minted for: auth writes it as `sid`, the authorizer passes
 * it on as `sessionId`, and the tasks API refuses the token once that session is gone.
 */
const SessionIdSchema = z.string().min(1).max(MAX_TOKEN_ID_LENGTH);

/** What the site shows from a token: never the user row. */
export const TokenProfileSchema = z.object({ email: z.string(), name: z.string() });

/** What auth's `definePayload` adds to a token: the profile and the session it belongs to. */
export const TokenPayloadSchema = TokenProfileSchema.extend({ sid: SessionIdSchema });

/** The claims the authorizer and the site read (jose checks `iss`, `aud`, `exp` and `nbf`). */
export const AccessTokenClaimsSchema = TokenPayloadSchema.extend({
  sub: UserIdSchema,
  /** Seconds since the epoch. */
  exp: z.number(),
});

/** What the authorizer hands the tasks API in `requestContext.authorizer.lambda`. */
export const AuthorizerContextSchema = z.object({
  userId: UserIdSchema,
  sessionId: SessionIdSchema,
  /** Milliseconds spent verifying the token, to 3 decimals (sent on as Server-Timing). */
  verifyMs: z.number().nonnegative(),
});

export type TokenProfile = z.infer<typeof TokenProfileSchema>;
export type TokenPayload = z.infer<typeof TokenPayloadSchema>;
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;
export type AuthorizerContext = z.infer<typeof AuthorizerContextSchema>;
