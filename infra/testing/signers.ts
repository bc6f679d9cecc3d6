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
import {
  type AuthorizeRequest,
  createAuthorizeRequest,
} from "../../functions/authorizer/authorize-request";
import { createJwksKeySource } from "../../functions/authorizer/jwks-key-source";
import { createAccessTokenVerifier } from "../../functions/authorizer/verify-access-token";
import type { TestAuth } from "./auth";

/**
 * Whatever signs the tokens the verifier must accept (a key of our own, or the real Better Auth
 * instance), and the JWKS endpoints the authorizer's key source fetches from in tests.
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
   * A token signed by the trusted key. `claims` override the defaults (`sub`, `sid`, `iat`, and
   * `iss`, `aud`, `exp` = now + 15 min); an override of `undefined` removes the claim.
   */
  sign(claims?: Record<string, unknown>): Promise<string>;
}

export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString("base64url");
}

/** The `sid` of signed test tokens unless told otherwise (the authorizer never looks it up). */
export const TEST_SESSION_ID = "test-session-id";

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
  sessionId?: string;
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
        sid: settings.sessionId ?? TEST_SESSION_ID,
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
  { auth, settings }: Pick<TestAuth, "auth" | "settings">,
  subject: string,
  sessionId: string = TEST_SESSION_ID,
): Promise<TrustedSigner> {
  const { secret, issuer, audience } = settings;
  const sign = async (claims: Record<string, unknown> = {}) => {
    const payload = withoutUndefined({
      sub: subject,
      sid: sessionId,
      iat: nowSeconds(),
      ...claims,
    });
    const { token } = await auth.api.signJWT({ body: { payload } });
    return token;
  };
  const kid = decodeProtectedHeader(await sign()).kid;
  const response = await auth.handler(new Request(`${issuer}/api/auth/jwks`));
  const { keys } = (await response.json()) as { keys: JWK[] };
  const publicJwk = keys.find((key) => key.kid === kid);
  if (!kid || !publicJwk) throw new Error("the auth instance does not publish its signing key");
  return { kid, publicJwk, secret, issuer, audience, sign };
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

/** The real authorizer for a test auth instance's tokens, its JWKS served by that instance in process. */
export function authorizerFor(testAuth: Pick<TestAuth, "auth" | "settings">): AuthorizeRequest {
  const { issuer, audience } = testAuth.settings;
  return createAuthorizeRequest(
    createAccessTokenVerifier({
      keys: createJwksKeySource({
        url: `${issuer}/api/auth/jwks`,
        fetch: jwksFetchFromAuth(testAuth.auth).fetch,
      }),
      issuer,
      audience,
    }),
  );
}
