import { eq } from "drizzle-orm";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  jwtVerify,
} from "jose";
import { beforeEach, expect, it } from "vitest";
import { AUTHORIZER_CACHE_TTL_SECONDS } from "../../infra/api-gateway-limits";
import {
  type AuthCall,
  accessToken,
  createTestAuth,
  signUp,
  TEST_AUDIENCE,
  TEST_ISSUER,
  uniqueEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { jwks } from "../db/schema";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  SIGNING_KEY_GRACE_SECONDS,
  SIGNING_KEY_ROTATION_SECONDS,
} from "./create-auth";
import { retireSigningKeys } from "./signing-keys";

describeEachEngine("signing key rotation on %s", { per: "test" }, (database) => {
  let call: AuthCall;
  let cookie: string;

  beforeEach(async () => {
    call = createTestAuth(database).caller();
    cookie = (await signUp(call, uniqueEmail("rotation"))).cookie;
  });

  async function publishedKeys(): Promise<JSONWebKeySet> {
    const response = await call("GET", "/jwks");
    expect(response.status).toBe(200);
    return (await response.json()) as JSONWebKeySet;
  }
  const verify = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await publishedKeys()), {
      algorithms: ["EdDSA"],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    });
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;

  it("gives each key a rotation deadline and stores its private half encrypted", async () => {
    await accessToken(call, cookie);
    const rows = await database.db.select().from(jwks);
    expect(rows).toHaveLength(1);
    const [key] = rows;
    const lifetimeMs = (key?.expiresAt?.getTime() ?? 0) - (key?.createdAt.getTime() ?? 0);
    expect(Math.abs(lifetimeMs - SIGNING_KEY_ROTATION_SECONDS * 1000)).toBeLessThan(60_000);
    expect(key?.privateKey).not.toContain('"d"');
    expect(key?.alg).toBe("EdDSA");
    expect(key?.crv).toBe("Ed25519");
  });

  it("signs with a new key after rotation while the retired key keeps verifying its tokens", async () => {
    const before = await accessToken(call, cookie);
    const retired = await retireSigningKeys(database.db);
    expect(retired).toEqual([kidOf(before)]);

    const after = await accessToken(call, cookie);
    expect(kidOf(after)).not.toBe(kidOf(before));
    const kids = (await publishedKeys()).keys.map((key) => key.kid).sort();
    expect(kids).toEqual([kidOf(before), kidOf(after)].sort());
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();
    // The grace period must outlast every token the retired key could still have signed.
    expect(SIGNING_KEY_GRACE_SECONDS).toBeGreaterThan(
      ACCESS_TOKEN_TTL_SECONDS + AUTHORIZER_CACHE_TTL_SECONDS,
    );
  });

  it("drops a retired key from the JWKS once its grace period is over", async () => {
    const old = await accessToken(call, cookie);
    const longAgo = new Date(Date.now() - (SIGNING_KEY_GRACE_SECONDS + 60) * 1000);
    await retireSigningKeys(database.db, longAgo);
    const fresh = await accessToken(call, cookie);

    const kids = (await publishedKeys()).keys.map((key) => key.kid);
    expect(kids).toEqual([kidOf(fresh)]);
    await expect(verify(old)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(verify(fresh)).resolves.toBeDefined();
    // The row stays (harmless: it is never used to sign again).
    const oldRow = await database.db
      .select()
      .from(jwks)
      .where(eq(jwks.id, String(kidOf(old))));
    expect(oldRow).toHaveLength(1);
  });

  it("publishes a key before any token was issued, so an authorizer can warm up", async () => {
    const { keys } = await publishedKeys();
    expect(keys).toHaveLength(1);
    const token = await accessToken(call, cookie);
    expect(kidOf(token)).toBe(keys[0]?.kid);
  });
});
