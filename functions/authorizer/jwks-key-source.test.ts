import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createOwnKeySigner,
  type OwnKeySigner,
  staticJwksFetch,
} from "../../infra/testing/signers";
import { tokenWithKid } from "../../infra/testing/token-attacks";
import { createJwksKeySource, JWKS_COOLDOWN_MS } from "./jwks-key-source";
import { type AccessTokenVerifier, createAccessTokenVerifier } from "./verify-access-token";

const ISSUER = "https://app.example";
const AUDIENCE = "https://app.example/api";
const JWKS_URL = `${ISSUER}/api/auth/jwks`;
const START = new Date("2026-03-01T12:00:00Z");

/** Only Date is faked: jose's cooldown and the token clocks move when the test says so. */
function advanceClock(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

describe("JWKS key source (own key set)", () => {
  let signer: OwnKeySigner;
  let endpoint: ReturnType<typeof staticJwksFetch>;
  let verify: AccessTokenVerifier;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: START });
    signer = await createOwnKeySigner({
      kid: "key-1",
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: "user-1",
    });
    endpoint = staticJwksFetch(signer.jwks);
    verify = createAccessTokenVerifier({
      keys: createJwksKeySource({ url: JWKS_URL, fetch: endpoint.fetch }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fetches the key set once, then verifies from memory however long the instance lives", async () => {
    expect(endpoint.count()).toBe(0);
    expect(await verify(await signer.sign())).toMatchObject({ ok: true });
    expect(endpoint.count()).toBe(1);
    for (const elapsed of [1_000, 60_000, 10 * 60_000, 24 * 60 * 60_000]) {
      advanceClock(elapsed);
      for (let i = 0; i < 20; i += 1) {
        expect(await verify(await signer.sign())).toMatchObject({ ok: true });
      }
    }
    expect(endpoint.count()).toBe(1);
  });

  it("shares one fetch between concurrent cold-start verifications", async () => {
    const tokens = await Promise.all(Array.from({ length: 25 }, () => signer.sign()));
    const results = await Promise.all(tokens.map((token) => verify(token)));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(endpoint.count()).toBe(1);
  });

  it("refreshes for an unknown kid at most once per cooldown, however many kids are sent", async () => {
    await verify(await signer.sign());
    expect(endpoint.count()).toBe(1);

    // Within the cooldown of the initial load: a flood of random kids costs nothing.
    for (let i = 0; i < 500; i += 1) {
      expect(await verify(tokenWithKid(randomUUID()))).toEqual({
        ok: false,
        reason: "unknown_kid",
      });
    }
    expect(endpoint.count()).toBe(1);

    for (let window = 1; window <= 3; window += 1) {
      advanceClock(JWKS_COOLDOWN_MS);
      for (let i = 0; i < 500; i += 1) {
        await verify(tokenWithKid(randomUUID()));
        advanceClock(JWKS_COOLDOWN_MS / 1000 - 1);
      }
      expect(endpoint.count()).toBe(1 + window);
    }
    expect(await verify(await signer.sign())).toMatchObject({ ok: true });
  });

  it("picks up a newly published key after one refresh and keeps verifying the old one", async () => {
    const oldToken = await signer.sign();
    expect(await verify(oldToken)).toMatchObject({ ok: true });

    const next = await createOwnKeySigner({
      kid: "key-2",
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: "user-1",
    });
    signer.jwks.keys.unshift(...next.jwks.keys);
    advanceClock(JWKS_COOLDOWN_MS);

    expect(await verify(await next.sign())).toMatchObject({ ok: true });
    expect(endpoint.count()).toBe(2);
    expect(await verify(oldToken)).toMatchObject({ ok: true });
    expect(endpoint.count()).toBe(2);
  });

  it("tries a failing endpoint at most once per cooldown, then recovers", async () => {
    endpoint.fail = true;
    for (let i = 0; i < 100; i += 1) {
      expect(await verify(await signer.sign())).toMatchObject({
        ok: false,
        reason: "key_source_unavailable",
      });
      advanceClock(100);
    }
    expect(endpoint.count()).toBe(1);

    endpoint.fail = false;
    advanceClock(JWKS_COOLDOWN_MS - 100 * 100 - 1);
    expect(await verify(await signer.sign())).toMatchObject({
      ok: false,
      reason: "key_source_unavailable",
    });
    expect(endpoint.count()).toBe(1);

    advanceClock(1);
    expect(await verify(await signer.sign())).toMatchObject({ ok: true });
    expect(endpoint.count()).toBe(2);
  });

  it("abandons a hanging JWKS endpoint after the fetch timeout and denies", async () => {
    vi.useRealTimers();
    let aborted = false;
    const hanging = createAccessTokenVerifier({
      keys: createJwksKeySource({
        url: JWKS_URL,
        fetch: (_url, init) =>
          new Promise<Response>((_resolve, reject) => {
            init.signal.addEventListener("abort", () => {
              aborted = true;
              reject(init.signal.reason);
            });
          }),
      }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(await hanging(await signer.sign())).toEqual({
      ok: false,
      reason: "key_source_unavailable",
      detail: "request timed out",
    });
    expect(aborted).toBe(true);
  });

  it("keeps verifying known keys while a refresh for an unknown kid fails", async () => {
    await verify(await signer.sign());
    endpoint.fail = true;
    advanceClock(JWKS_COOLDOWN_MS);
    expect(await verify(tokenWithKid("rotated-key"))).toMatchObject({
      ok: false,
      reason: "key_source_unavailable",
    });
    // The gate holds the second attempt back: no fetch, and still no key for that kid.
    expect(await verify(tokenWithKid("rotated-key"))).toMatchObject({
      ok: false,
      reason: "key_source_unavailable",
    });
    expect(await verify(await signer.sign())).toMatchObject({ ok: true });
    expect(endpoint.count()).toBe(2);
  });
});
