import { CompactSign, createLocalJWKSet, SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  base64url,
  createOwnKeySigner,
  nowSeconds,
  type OwnKeySigner,
  staticJwksFetch,
} from "../../infra/testing/signers";
import { TOKEN_ATTACKS } from "../../infra/testing/token-attacks";
import { MAX_TOKEN_ID_LENGTH } from "../shared/token-ids";
import { createJwksKeySource } from "./jwks-key-source";
import {
  type AccessTokenVerifier,
  CLOCK_TOLERANCE_SECONDS,
  createAccessTokenVerifier,
  MAX_TOKEN_BYTES,
} from "./verify-access-token";

const ISSUER = "https://app.example";
const AUDIENCE = "https://app.example/api";
const USER_ID = "user-1234";

afterEach(() => {
  vi.useRealTimers();
});

describe("verifyAccessToken with an Ed25519 key of its own", () => {
  let signer: OwnKeySigner;
  let verify: AccessTokenVerifier;

  beforeAll(async () => {
    signer = await createOwnKeySigner({
      kid: "key-1",
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: USER_ID,
    });
    const source = staticJwksFetch(signer.jwks);
    verify = createAccessTokenVerifier({
      keys: createJwksKeySource({ url: `${ISSUER}/api/auth/jwks`, fetch: source.fetch }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  });

  /** Signs raw bytes as the payload with the trusted key (for payloads SignJWT cannot build). */
  function signRaw(payload: string, header: Record<string, unknown> = {}): Promise<string> {
    return new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: "EdDSA", kid: signer.kid, ...header })
      .sign(signer.privateKey);
  }

  it("accepts a valid token and returns its subject, session and expiry", async () => {
    const exp = nowSeconds() + 600;
    expect(await verify(await signer.sign({ exp, sid: "session-42" }))).toEqual({
      ok: true,
      userId: USER_ID,
      sessionId: "session-42",
      expiresAt: exp,
    });
  });

  it("accepts a sid of exactly the longest allowed length", async () => {
    const sid = "s".repeat(MAX_TOKEN_ID_LENGTH);
    expect(await verify(await signer.sign({ sid }))).toMatchObject({ ok: true, sessionId: sid });
  });

  it("accepts an audience array that contains the expected audience", async () => {
    const token = await signer.sign({ aud: ["https://other.example", AUDIENCE] });
    expect(await verify(token)).toMatchObject({ ok: true, userId: USER_ID });
  });

  it.each(TOKEN_ATTACKS)("denies $name as $reason", async (attack) => {
    expect(await verify(await attack.token(signer))).toEqual({ ok: false, reason: attack.reason });
  });

  it("denies a validly signed payload that is not JSON as malformed", async () => {
    expect(await verify(await signRaw("not json"))).toEqual({ ok: false, reason: "malformed" });
  });

  it("denies a validly signed payload that is a JSON array as malformed", async () => {
    expect(await verify(await signRaw(JSON.stringify([USER_ID])))).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("denies a header that is JSON but not an object as malformed", async () => {
    const [, payload, signature] = (await signer.sign()).split(".");
    expect(await verify(`${base64url("[]")}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("denies a header without alg as malformed", async () => {
    const [, payload, signature] = (await signer.sign()).split(".");
    const header = base64url(JSON.stringify({ kid: signer.kid }));
    expect(await verify(`${header}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("denies four segments and an empty string as malformed", async () => {
    expect(await verify(`${await signer.sign()}.extra`)).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(await verify("")).toEqual({ ok: false, reason: "malformed" });
  });

  it("denies an EdDSA token with an empty signature as bad_signature", async () => {
    const [header, payload] = (await signer.sign()).split(".");
    expect(await verify(`${header}.${payload}.`)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("denies the fully-specified Ed25519 and the ES256 algorithms: EdDSA is the only one allowed", async () => {
    const ed25519 = await new SignJWT({ sub: USER_ID, iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: "Ed25519", kid: signer.kid })
      .setExpirationTime("5m")
      .sign(signer.privateKey);
    expect(await verify(ed25519)).toEqual({ ok: false, reason: "unsupported_alg" });
    const es256 = `${base64url(JSON.stringify({ alg: "ES256", kid: signer.kid }))}.${(await signer.sign()).split(".")[1]}.c2ln`;
    expect(await verify(es256)).toEqual({ ok: false, reason: "unsupported_alg" });
  });

  it("denies an embedded x5c certificate chain and crit extensions as forbidden_header", async () => {
    const x5c = await signRaw(JSON.stringify({ sub: USER_ID }), { x5c: ["MIIB"] });
    expect(await verify(x5c)).toEqual({ ok: false, reason: "forbidden_header" });
    // jose knows "b64", so this one reaches the key lookup, which refuses `crit` itself.
    const b64 = await signRaw(JSON.stringify({ sub: USER_ID }), { crit: ["b64"], b64: true });
    expect(await verify(b64)).toEqual({ ok: false, reason: "forbidden_header" });
    // jose rejects an extension it does not know before the key lookup.
    const [, payload, signature] = (await signer.sign()).split(".");
    const critHeader = { alg: "EdDSA", kid: signer.kid, crit: ["exp"], exp: 1 };
    const unknown = `${base64url(JSON.stringify(critHeader))}.${payload}.${signature}`;
    expect(await verify(unknown)).toEqual({ ok: false, reason: "forbidden_header" });
  });

  it("denies a missing, empty or non-string kid as missing_kid", async () => {
    const claims = JSON.stringify({
      sub: USER_ID,
      iss: ISSUER,
      aud: AUDIENCE,
      exp: nowSeconds() + 60,
    });
    for (const kid of [undefined, "", 7]) {
      const token = await signRaw(claims, { kid });
      expect(await verify(token)).toEqual({ ok: false, reason: "missing_kid" });
    }
  });

  it("denies a kid the key source does not publish as unknown_kid", async () => {
    const token = await signRaw(
      JSON.stringify({ sub: USER_ID, iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }),
      { kid: "key-that-does-not-exist" },
    );
    expect(await verify(token)).toEqual({ ok: false, reason: "unknown_kid" });
  });

  it("denies a token without exp as missing_expiry", async () => {
    expect(await verify(await signer.sign({ exp: undefined }))).toEqual({
      ok: false,
      reason: "missing_expiry",
    });
  });

  it("denies a token without iss or aud as wrong_issuer / wrong_audience", async () => {
    expect(await verify(await signer.sign({ iss: undefined }))).toEqual({
      ok: false,
      reason: "wrong_issuer",
    });
    expect(await verify(await signer.sign({ aud: undefined }))).toEqual({
      ok: false,
      reason: "wrong_audience",
    });
  });

  it("denies a non-string sub as missing_subject", async () => {
    expect(await verify(await signer.sign({ sub: 1234 }))).toEqual({
      ok: false,
      reason: "missing_subject",
    });
  });

  it("denies registered time claims of the wrong type as malformed", async () => {
    for (const claims of [{ exp: "tomorrow" }, { nbf: "now" }, { iat: "today" }]) {
      expect(await verify(await signer.sign(claims))).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it(`tolerates at most ${CLOCK_TOLERANCE_SECONDS} s of clock skew on exp and nbf`, async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-03-01T12:00:00Z") });
    const now = nowSeconds();
    expect(
      await verify(await signer.sign({ exp: now - CLOCK_TOLERANCE_SECONDS + 1 })),
    ).toMatchObject({ ok: true });
    expect(await verify(await signer.sign({ exp: now - CLOCK_TOLERANCE_SECONDS }))).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(await verify(await signer.sign({ nbf: now + CLOCK_TOLERANCE_SECONDS }))).toMatchObject({
      ok: true,
    });
    expect(await verify(await signer.sign({ nbf: now + CLOCK_TOLERANCE_SECONDS + 1 }))).toEqual({
      ok: false,
      reason: "not_yet_valid",
    });
  });

  it("measures the 8 KiB limit in bytes, before parsing", async () => {
    const atLimit = "a".repeat(MAX_TOKEN_BYTES);
    expect(await verify(atLimit)).toEqual({ ok: false, reason: "malformed" });
    expect(await verify("a".repeat(MAX_TOKEN_BYTES + 1))).toEqual({
      ok: false,
      reason: "oversized",
    });
    // 4,097 characters, 8,194 UTF-8 bytes.
    expect(await verify("é".repeat(MAX_TOKEN_BYTES / 2 + 1))).toEqual({
      ok: false,
      reason: "oversized",
    });
    const keys = vi.fn(createLocalJWKSet(signer.jwks));
    const guarded = createAccessTokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE });
    expect(await guarded(await signer.sign({ padding: "x".repeat(MAX_TOKEN_BYTES) }))).toEqual({
      ok: false,
      reason: "oversized",
    });
    expect(keys).not.toHaveBeenCalled();
  });

  it("never consults the key source for tokens refused on their header", async () => {
    const keys = vi.fn(createLocalJWKSet(signer.jwks));
    const guarded = createAccessTokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE });
    for (const attack of TOKEN_ATTACKS.filter((a) =>
      ["unsupported_alg", "forbidden_header", "malformed", "oversized"].includes(a.reason),
    )) {
      expect(await guarded(await attack.token(signer))).toMatchObject({ ok: false });
    }
    expect(keys).not.toHaveBeenCalled();
  });

  it("denies as key_source_unavailable, with the cause, when the key set cannot be loaded", async () => {
    const source = staticJwksFetch(signer.jwks);
    source.fail = true;
    const broken = createAccessTokenVerifier({
      keys: createJwksKeySource({ url: `${ISSUER}/api/auth/jwks`, fetch: source.fetch }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(await broken(await signer.sign())).toEqual({
      ok: false,
      reason: "key_source_unavailable",
      detail: "Expected 200 OK from the JSON Web Key Set HTTP response",
    });
  });

  it("never verifies with a symmetric secret, even if a key source hands one out", async () => {
    const confused = createAccessTokenVerifier({
      keys: async () => new TextEncoder().encode(signer.secret),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const result = await confused(await signer.sign());
    expect(result).toMatchObject({ ok: false, reason: "internal_error" });
    expect(result.ok === false && result.detail).toMatch(/key/i);
  });

  it("refuses to be built without an issuer or an audience", () => {
    const keys = createLocalJWKSet(signer.jwks);
    expect(() => createAccessTokenVerifier({ keys, issuer: "", audience: AUDIENCE })).toThrow(
      /issuer/,
    );
    expect(() => createAccessTokenVerifier({ keys, issuer: ISSUER, audience: "" })).toThrow(
      /audience/,
    );
  });
});
