import { SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  accessToken,
  createTestAuth,
  type SignedUpUser,
  sessionIdOf,
  signUp,
  type TestAuth,
  uniqueEmail,
} from "../../infra/testing/auth";
import { useTestDatabase } from "../../infra/testing/database-suite";
import {
  createAuthSigner,
  generateSigningKey,
  jwksFetchFromAuth,
  type TrustedSigner,
} from "../../infra/testing/signers";
import { TOKEN_ATTACKS, tokenWithKid } from "../../infra/testing/token-attacks";
import { SIGNING_KEY_GRACE_SECONDS } from "../auth/create-auth";
import { retireSigningKeys } from "../auth/signing-keys";
import { createJwksKeySource, JWKS_COOLDOWN_MS } from "./jwks-key-source";
import { type AccessTokenVerifier, createAccessTokenVerifier } from "./verify-access-token";

/**
 * The verifier and its key source on what production feeds them: a real Better Auth instance
 * (on PGlite) signing the tokens and publishing the JWKS. The own-key suites beside this file
 * cover every rule without a database.
 */

/** The authorizer's verifier for tokens of `settings`, fetching their key set through `endpoint`. */
function verifierOf(
  { settings }: TestAuth,
  endpoint: ReturnType<typeof jwksFetchFromAuth>,
): AccessTokenVerifier {
  const { issuer, audience } = settings;
  return createAccessTokenVerifier({
    keys: createJwksKeySource({ url: `${issuer}/api/auth/jwks`, fetch: endpoint.fetch }),
    issuer,
    audience,
  });
}

describe("verifyAccessToken with Better Auth's keys and tokens", () => {
  const testAuth = createTestAuth(useTestDatabase("pglite"));
  let user: SignedUpUser;
  let signer: TrustedSigner;
  let verify: AccessTokenVerifier;

  beforeAll(async () => {
    user = await signUp(testAuth.caller("handler"), uniqueEmail("verifier"));
    signer = await createAuthSigner(testAuth, user.id);
    verify = verifierOf(testAuth, jwksFetchFromAuth(testAuth.auth));
  });

  it("accepts the access token the auth function issues at /api/auth/token, naming its session", async () => {
    const call = testAuth.caller("lambda");
    const token = await accessToken(call, user.cookie);
    expect(await verify(token)).toMatchObject({
      ok: true,
      userId: user.id,
      sessionId: await sessionIdOf(call, user.cookie),
    });
  });

  it.each(TOKEN_ATTACKS)("denies $name as $reason", async (attack) => {
    expect(await verify(await attack.token(signer))).toEqual({ ok: false, reason: attack.reason });
  });

  it("denies a token signed by a key Better Auth never published, under a new kid", async () => {
    const stranger = await generateSigningKey();
    const { issuer, audience } = testAuth.settings;
    const token = await new SignJWT({ sub: user.id, iss: issuer, aud: audience })
      .setProtectedHeader({ alg: "EdDSA", kid: "forged-kid" })
      .setExpirationTime("5m")
      .sign(stranger.privateKey);
    expect(await verify(token)).toEqual({ ok: false, reason: "unknown_kid" });
  });
});

describe("JWKS key source fed by Better Auth's /api/auth/jwks (rotation)", () => {
  const database = useTestDatabase("pglite");
  const testAuth = createTestAuth(database);
  let cookie: string;
  let userId: string;

  beforeAll(async () => {
    ({ cookie, id: userId } = await signUp(testAuth.caller("handler"), uniqueEmail("rotation")));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("verifies old-key tokens through the grace period and new-key tokens after one refresh", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date() });
    const call = testAuth.caller("handler");
    const endpoint = jwksFetchFromAuth(testAuth.auth);
    const verify = verifierOf(testAuth, endpoint);

    const oldKeyToken = await accessToken(call, cookie);
    expect(await verify(oldKeyToken)).toEqual(expect.objectContaining({ ok: true, userId }));
    expect(endpoint.count()).toBe(1);

    const [retired] = await retireSigningKeys(database.db);
    const newKeyToken = await accessToken(call, cookie);
    const kidOf = (token: string) =>
      (
        JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
          kid: string;
        }
      ).kid;
    expect(kidOf(oldKeyToken)).toBe(retired);
    expect(kidOf(newKeyToken)).not.toBe(retired);

    // Inside the cooldown of the first load the new kid is not fetched yet.
    expect(await verify(newKeyToken)).toEqual({ ok: false, reason: "unknown_kid" });
    expect(endpoint.count()).toBe(1);

    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS);
    expect(await verify(newKeyToken)).toMatchObject({ ok: true, userId });
    expect(endpoint.count()).toBe(2);
    expect(await verify(oldKeyToken)).toMatchObject({ ok: true, userId });
    expect(await verify(newKeyToken)).toMatchObject({ ok: true, userId });
    expect(endpoint.count()).toBe(2);

    // After the grace period Better Auth stops publishing the retired key; the next refresh
    // (here triggered by an unknown kid) drops it from memory too.
    vi.setSystemTime(Date.now() + SIGNING_KEY_GRACE_SECONDS * 1000 + 60_000);
    expect(await verify(tokenWithKid("some-unknown-key"))).toEqual({
      ok: false,
      reason: "unknown_kid",
    });
    expect(endpoint.count()).toBe(3);
    expect(await verify(oldKeyToken)).toEqual({ ok: false, reason: "unknown_kid" });
    expect(endpoint.count()).toBe(3);
  });
});
