import { randomUUID } from "node:crypto";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import {
  type CryptoKey,
  decodeProtectedHeader,
  exportJWK,
  type FetchImplementation,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { type Auth, CLIENT_IP_HEADER } from "../../functions/auth/create-auth";
import type { HeaderDenyReason } from "../../functions/authorizer/authorize-request";
import type { DenyReason } from "../../functions/authorizer/verify-access-token";

/**
 * Test material for the authorizer suites: a trusted signer (a key of our own, or the real Better
 * Auth instance), the token attacks every layer must refuse, and API Gateway authorizer events.
 */

/** Whatever signs tokens the verifier must accept, and what an attacker could know about it. */
export interface TrustedSigner {
  /** The `kid` the key source publishes for the signing key. */
  kid: string;
  /** The public key as published in the JWKS (an attacker has it). */
  publicJwk: JWK;
  /** BETTER_AUTH_SECRET (or the stand-in of an own-key setup). */
  secret: string;
  issuer: string;
  audience: string;
  /**
   * A token signed by the trusted key. `claims` override the defaults (`sub`, `iat`, and `iss`,
   * `aud`, `exp` = now + 15 min); an override of `undefined` removes the claim.
   */
  sign(claims?: Record<string, unknown>): Promise<string>;
}

const encoder = new TextEncoder();

export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString("base64url");
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export async function generateSigningKey(): Promise<{
  privateKey: CryptoKey;
  publicJwk: JWK;
}> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

function withoutUndefined(claims: Record<string, unknown>): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

export interface OwnKeySigner extends TrustedSigner {
  privateKey: CryptoKey;
  /** The JWKS the key source serves, as Better Auth shapes it. */
  jwks: { keys: JWK[] };
}

/** A signer with an Ed25519 key generated here, published under `kid`. */
export async function createOwnKeySigner(settings: {
  kid: string;
  issuer: string;
  audience: string;
  subject: string;
}): Promise<OwnKeySigner> {
  const { privateKey, publicJwk } = await generateSigningKey();
  const published: JWK = { ...publicJwk, alg: "EdDSA", kid: settings.kid };
  return {
    kid: settings.kid,
    publicJwk: published,
    secret: "own-key-stand-in-for-better-auth-secret",
    issuer: settings.issuer,
    audience: settings.audience,
    privateKey,
    jwks: { keys: [published] },
    sign: (claims = {}) => {
      const now = nowSeconds();
      const payload = withoutUndefined({
        sub: settings.subject,
        iat: now,
        iss: settings.issuer,
        aud: settings.audience,
        exp: now + 15 * 60,
        ...claims,
      });
      return new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", kid: settings.kid })
        .sign(privateKey);
    },
  };
}

/**
 * The real auth instance as signer: Better Auth's own server-side `signJWT` with its current key,
 * which fills in `iss`, `aud` and `exp` when absent (so those can be overridden, not removed).
 */
export async function createAuthSigner(
  auth: Auth,
  settings: { secret: string; issuer: string; audience: string; subject: string },
): Promise<TrustedSigner> {
  const sign = async (claims: Record<string, unknown> = {}) => {
    const payload = withoutUndefined({ sub: settings.subject, iat: nowSeconds(), ...claims });
    const { token } = await auth.api.signJWT({ body: { payload } });
    return token;
  };
  const kid = decodeProtectedHeader(await sign()).kid;
  const response = await auth.handler(new Request(`${settings.issuer}/api/auth/jwks`));
  const { keys } = (await response.json()) as { keys: JWK[] };
  const publicJwk = keys.find((key) => key.kid === kid);
  if (!kid || !publicJwk) throw new Error("the auth instance does not publish its signing key");
  return { kid, publicJwk, ...settings, sign };
}

/**
 * Serves Better Auth's /api/auth/jwks to jose through its handler, counting the calls. The client
 * address header is what the auth Lambda derives from the event for the authorizer's request.
 */
export function jwksFetchFromAuth(auth: Auth): { fetch: FetchImplementation; count(): number } {
  let calls = 0;
  return {
    fetch: async (url, init) => {
      calls += 1;
      const headers = new Headers(init.headers);
      headers.set(CLIENT_IP_HEADER, "192.0.2.10");
      return auth.handler(new Request(url, { ...init, headers }));
    },
    count: () => calls,
  };
}

/** Serves a fixed (mutable) key set, counting the calls; `fail` answers 503 instead. */
export function staticJwksFetch(jwks: { keys: JWK[] }): {
  fetch: FetchImplementation;
  count(): number;
  fail: boolean;
} {
  const state = {
    calls: 0,
    fail: false,
    fetch: (async () => {
      state.calls += 1;
      if (state.fail) return new Response("unavailable", { status: 503 });
      return Response.json(jwks);
    }) as FetchImplementation,
    count: () => state.calls,
  };
  return state;
}

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
  {
    name: "expired (exp a minute ago)",
    reason: "expired",
    token: (signer) => signer.sign({ iat: nowSeconds() - 960, exp: nowSeconds() - 60 }),
  },
  {
    name: "nbf a minute in the future",
    reason: "not_yet_valid",
    token: (signer) => signer.sign({ nbf: nowSeconds() + 60 }),
  },
  {
    name: "wrong issuer",
    reason: "wrong_issuer",
    token: (signer) => signer.sign({ iss: "https://attacker.example" }),
  },
  {
    name: "wrong audience",
    reason: "wrong_audience",
    token: (signer) => signer.sign({ aud: "https://attacker.example/api" }),
  },
  {
    name: "missing sub",
    reason: "missing_subject",
    token: (signer) => signer.sign({ sub: undefined }),
  },
  {
    name: "empty sub",
    reason: "missing_subject",
    token: (signer) => signer.sign({ sub: "" }),
  },
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
  {
    name: "oversized (a validly signed token over 8 KiB)",
    reason: "oversized",
    token: (signer) => signer.sign({ padding: "x".repeat(8 * 1024) }),
  },
];

/**
 * An API Gateway HTTP API REQUEST authorizer event, payload format 2.0, as AWS sends it for
 * identity source `$request.header.Authorization` (headers lower-cased).
 */
export function authorizerEvent(
  headers: Record<string, string>,
  options: { requestId?: string; routeKey?: string; path?: string } = {},
): APIGatewayRequestAuthorizerEventV2 {
  const routeKey = options.routeKey ?? "GET /api/tasks";
  const [method = "GET"] = routeKey.split(" ");
  const path = options.path ?? "/api/tasks";
  const now = new Date();
  const lowered = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/${method}${path}`,
    identitySource: lowered.authorization === undefined ? [] : [lowered.authorization],
    routeKey,
    rawPath: path,
    rawQueryString: "",
    cookies: [],
    headers: {
      accept: "application/json",
      host: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "vitest",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...lowered,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      domainName: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abcdef1234",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "vitest",
      },
      requestId: options.requestId ?? randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}
