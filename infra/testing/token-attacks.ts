import { SignJWT } from "jose";
import type { HeaderDenyReason } from "../../functions/authorizer/authorize-request";
import type { DenyReason } from "../../functions/authorizer/verify-access-token";
import { MAX_TOKEN_ID_LENGTH } from "../../functions/shared/token-ids";
import { base64url, generateSigningKey, nowSeconds, type TrustedSigner } from "./signers";

/**
 * The token attacks every layer must refuse (RFC 8725 and broken tokens), built against any
 * trusted signer, so the verifier, the authorizer entry and Better Auth's keys face the same list.
 */

const encoder = new TextEncoder();

export interface TokenAttack {
  name: string;
  reason: DenyReason | HeaderDenyReason;
  token(signer: TrustedSigner): Promise<string>;
}

async function foreignKeyToken(header: Record<string, unknown>, signer: TrustedSigner) {
  const attacker = await generateSigningKey();
  return new SignJWT({ sub: "attacker", iss: signer.issuer, aud: signer.audience })
    .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, ...header })
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(attacker.privateKey);
}

async function hmacToken(signer: TrustedSigner, secret: Uint8Array) {
  return new SignJWT({ sub: "attacker", iss: signer.issuer, aud: signer.audience })
    .setProtectedHeader({ alg: "HS256", kid: signer.kid })
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(secret);
}

/** An attack that only changes claims: the trusted signer signs them, the claim check must refuse. */
function claimAttack(name: string, reason: TokenAttack["reason"], claims: Record<string, unknown>) {
  return { name, reason, token: (signer: TrustedSigner) => signer.sign(claims) };
}

function segments(token: string): [string, string, string] {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return [header, payload, signature];
}

/** RFC 8725 attacks and broken tokens, each with the reason the authorizer must log. */
export const TOKEN_ATTACKS: TokenAttack[] = [
  {
    name: "alg none (unsigned)",
    reason: "unsupported_alg",
    token: async (signer) => {
      const [, payload] = segments(await signer.sign());
      return `${base64url(JSON.stringify({ alg: "none", kid: signer.kid }))}.${payload}.`;
    },
  },
  {
    name: "HS256 with the published public key (JWK JSON) as the HMAC secret",
    reason: "unsupported_alg",
    token: (signer) => hmacToken(signer, encoder.encode(JSON.stringify(signer.publicJwk))),
  },
  {
    name: "HS256 with the raw public key bytes as the HMAC secret",
    reason: "unsupported_alg",
    token: (signer) => hmacToken(signer, Buffer.from(signer.publicJwk.x ?? "", "base64url")),
  },
  {
    name: "HS256 with BETTER_AUTH_SECRET",
    reason: "unsupported_alg",
    token: (signer) => hmacToken(signer, encoder.encode(signer.secret)),
  },
  {
    name: "EdDSA signed by a foreign key under the real kid",
    reason: "bad_signature",
    token: (signer) => foreignKeyToken({}, signer),
  },
  {
    name: "an embedded jwk header carrying the attacker's key",
    reason: "forbidden_header",
    token: async (signer) => {
      const attacker = await generateSigningKey();
      return new SignJWT({ sub: "attacker", iss: signer.issuer, aud: signer.audience })
        .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, jwk: attacker.publicJwk })
        .setIssuedAt()
        .setExpirationTime("15m")
        .sign(attacker.privateKey);
    },
  },
  {
    name: "a jku header pointing at the attacker's key set",
    reason: "forbidden_header",
    token: (signer) => foreignKeyToken({ jku: "https://attacker.example/jwks.json" }, signer),
  },
  {
    name: "an x5u header pointing at the attacker's certificate",
    reason: "forbidden_header",
    token: (signer) => foreignKeyToken({ x5u: "https://attacker.example/cert.pem" }, signer),
  },
  claimAttack("expired (exp a minute ago)", "expired", {
    iat: nowSeconds() - 960,
    exp: nowSeconds() - 60,
  }),
  claimAttack("nbf a minute in the future", "not_yet_valid", { nbf: nowSeconds() + 60 }),
  claimAttack("wrong issuer", "wrong_issuer", { iss: "https://attacker.example" }),
  claimAttack("wrong audience", "wrong_audience", { aud: "https://attacker.example/api" }),
  claimAttack("missing sub", "missing_subject", { sub: undefined }),
  claimAttack("empty sub", "missing_subject", { sub: "" }),
  claimAttack("missing sid (a token that names no session cannot be revoked)", "missing_session", {
    sid: undefined,
  }),
  claimAttack("empty sid", "missing_session", { sid: "" }),
  claimAttack("non-string sid", "missing_session", { sid: 1234 }),
  claimAttack("sid longer than any session id", "missing_session", {
    sid: "s".repeat(MAX_TOKEN_ID_LENGTH + 1),
  }),
  {
    name: "payload swapped under a valid signature",
    reason: "bad_signature",
    token: async (signer) => {
      const [header, , signature] = segments(await signer.sign());
      const [, otherPayload] = segments(await signer.sign({ sub: "someone-else" }));
      return `${header}.${otherPayload}.${signature}`;
    },
  },
  {
    name: "two segments",
    reason: "malformed",
    token: async (signer) =>
      segments(await signer.sign())
        .slice(0, 2)
        .join("."),
  },
  {
    name: "bad base64 in the payload",
    reason: "malformed",
    token: async (signer) => {
      const [header, payload, signature] = segments(await signer.sign());
      return `${header}.${payload.slice(0, 10)}*${payload.slice(11)}.${signature}`;
    },
  },
  {
    name: "a header that is not JSON",
    reason: "malformed",
    token: async (signer) => {
      const [, payload, signature] = segments(await signer.sign());
      return `${base64url("{alg: EdDSA")}.${payload}.${signature}`;
    },
  },
  claimAttack("oversized (a validly signed token over 8 KiB)", "oversized", {
    padding: "x".repeat(8 * 1024),
  }),
];

/** A token whose header names `kid`; it is refused at the key lookup, before its signature. */
export function tokenWithKid(kid: string): string {
  const header = base64url(JSON.stringify({ alg: "EdDSA", kid }));
  return `${header}.${base64url(JSON.stringify({ sub: "x" }))}.${base64url("signature")}`;
}
