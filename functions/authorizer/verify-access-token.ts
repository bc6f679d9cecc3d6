import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { AccessTokenClaims } from "../shared/access-token";
import { errorMessage } from "../shared/log";
import { isTokenId } from "../shared/token-ids";

/**
 * Verifies Better Auth access tokens (RFC 8725 hardened): EdDSA only, keys only from the
 * configured key source, bounded size, `iss`/`aud`/`exp`/`nbf` with a small clock tolerance, a
 * required `sub` and a required session id (`sid`, which the tasks API checks against the session
 * table). Every outcome is a value: a bad token never throws.
 */

/** Larger tokens are refused before any decoding (Better Auth's are well under 1 KiB). */
export const MAX_TOKEN_BYTES = 8 * 1024;
export const CLOCK_TOLERANCE_SECONDS = 5;
const ALLOWED_ALGORITHMS = ["EdDSA"];

/**
 * Header parameters that point at or embed key material (`jku`, `x5u`, `jwk`, `x5c`) or demand
 * extensions (`crit`): this verifier takes keys from its key source only and supports no
 * extensions, so a token carrying any of them is refused rather than silently ignored.
 */
const FORBIDDEN_HEADERS = ["jku", "x5u", "jwk", "x5c", "crit"] as const;

/** Three base64url segments; the signature may be empty so `alg: none` gets its own reason. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export type DenyReason =
  | "oversized"
  | "malformed"
  | "forbidden_header"
  | "unsupported_alg"
  | "missing_kid"
  | "unknown_kid"
  | "key_source_unavailable"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "missing_expiry"
  | "wrong_issuer"
  | "wrong_audience"
  | "missing_subject"
  | "missing_session"
  | "internal_error";

export type VerifyResult =
  | {
      ok: true;
      userId: AccessTokenClaims["sub"];
      sessionId: AccessTokenClaims["sid"];
      expiresAt: AccessTokenClaims["exp"];
    }
  /** `detail` is set for operator-facing failures (key source, internal) and never holds the token. */
  | { ok: false; reason: DenyReason; detail?: string };

export interface AccessTokenVerifierOptions {
  /** Resolves the verification key from the token header, e.g. createJwksKeySource(...). */
  keys: JWTVerifyGetKey;
  /** Expected `iss`: the public origin (JWT_ISSUER). */
  issuer: string;
  /** Expected `aud`: `${origin}/api` (JWT_AUDIENCE). */
  audience: string;
}

export type AccessTokenVerifier = (token: string) => Promise<VerifyResult>;

/** A refusal decided while resolving the key, carried through jose to the result. */
class KeyRefused extends Error {
  constructor(
    readonly reason: DenyReason,
    readonly detail?: string,
  ) {
    super(reason);
  }
}

export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const { keys, issuer, audience } = options;
  if (!issuer) throw new TypeError("createAccessTokenVerifier: issuer is required");
  if (!audience) throw new TypeError("createAccessTokenVerifier: audience is required");

  // jose calls this after it has parsed the header and accepted `alg`, before the signature check.
  const resolveKey: JWTVerifyGetKey = async (header, token) => {
    if (FORBIDDEN_HEADERS.some((name) => Object.hasOwn(header, name))) {
      throw new KeyRefused("forbidden_header");
    }
    if (typeof header.kid !== "string" || header.kid === "") throw new KeyRefused("missing_kid");
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      throw new KeyRefused("key_source_unavailable", errorMessage(error));
    }
  };

  return async function verifyAccessToken(token) {
    if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) return deny("oversized");
    if (!COMPACT_JWS.test(token)) return deny("malformed");
    try {
      const { payload } = await jwtVerify(token, resolveKey, {
        algorithms: ALLOWED_ALGORITHMS,
        issuer,
        audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "sub"],
      });
      // A hand check typed from the shared schema: zod would take this bundle from 23 to 470 KB.
      if (typeof payload.sub !== "string" || payload.sub === "") return deny("missing_subject");
      if (!isTokenId(payload.sid)) return deny("missing_session");
      return {
        ok: true,
        userId: payload.sub,
        sessionId: payload.sid,
        expiresAt: payload.exp as number,
      };
    } catch (error) {
      return refusalFor(error);
    }
  };
}

function deny(reason: DenyReason, detail?: string): VerifyResult {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/** Maps what jose (or the key resolver) threw to a reason; order matters where classes overlap. */
function refusalFor(error: unknown): VerifyResult {
  if (error instanceof KeyRefused) return deny(error.reason, error.detail);
  if (error instanceof errors.JWTExpired) return deny("expired");
  if (error instanceof errors.JWTClaimValidationFailed) return deny(claimReason(error));
  if (error instanceof errors.JWSSignatureVerificationFailed) return deny("bad_signature");
  if (error instanceof errors.JWKSNoMatchingKey) return deny("unknown_kid");
  if (error instanceof errors.JOSEAlgNotAllowed) return deny("unsupported_alg");
  // Raised by jose for a `crit` extension it does not recognise.
  if (error instanceof errors.JOSENotSupported) return deny("forbidden_header");
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return deny("malformed");
  }
  return deny("internal_error", errorMessage(error));
}

function claimReason(error: errors.JWTClaimValidationFailed): DenyReason {
  // A registered claim of the wrong type (e.g. a string `nbf`) is a malformed token.
  if (error.reason === "invalid") return "malformed";
  switch (error.claim) {
    case "iss":
      return "wrong_issuer";
    case "aud":
      return "wrong_audience";
    case "sub":
      return "missing_subject";
    case "exp":
      return "missing_expiry";
    default:
      // "nbf": the only other claim jose checks with these options (`exp` failures are JWTExpired).
      return "not_yet_valid";
  }
}
