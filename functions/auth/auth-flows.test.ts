import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import {
  accessToken,
  createTestAuth,
  SURFACES,
  sessionIdOf,
  signUp,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { ENGINES } from "../../infra/testing/database";
import { useTestDatabase } from "../../infra/testing/database-suite";
import { mailTokenOf, newestMailTo } from "../../infra/testing/mail";
import { account, session, user } from "../db/schema";
import { AccessTokenClaimsSchema } from "../shared/access-token";
import { ACCESS_TOKEN_TTL_SECONDS } from "./create-auth";

const cases = ENGINES.flatMap((engine) => SURFACES.map((surface) => [engine, surface] as const));

describe.each(cases)("Better Auth flows on %s through %s", (engine, surface) => {
  const database = useTestDatabase(engine);
  const call = createTestAuth(database).caller(surface);

  async function userRows(email: string) {
    return database.db.select().from(user).where(eq(user.email, email));
  }

  it("signs up a user, stores user and credential account, and sets the session cookie once verified", async () => {
    const email = uniqueEmail("signup");
    const response = await call("POST", "/sign-up/email", {
      body: { email, password: TEST_PASSWORD, name: "Ada" },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { id: string; email: string } };
    expect(body.user.email).toBe(email);
    expect(response.headers.getSetCookie()).toEqual([]);
    const verified = await call(
      "GET",
      `/verify-email?token=${mailTokenOf(await newestMailTo(email, "verify-email"))}`,
    );
    const cookies = verified.headers.getSetCookie();
    expect(
      cookies.some((cookie) => /^better-auth\.session_token=[^;]+;.*HttpOnly/i.test(cookie)),
    ).toBe(true);

    const [row] = await userRows(email);
    expect(row?.id).toBe(body.user.id);
    const accounts = await database.db
      .select()
      .from(account)
      .where(eq(account.userId, body.user.id));
    expect(accounts).toHaveLength(1);
    expect(accounts[0]?.providerId).toBe("credential");
    // The stored hash is scrypt's "salt:key" in hex, never the password.
    expect(accounts[0]?.password).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    const sessions = await database.db
      .select()
      .from(session)
      .where(eq(session.userId, body.user.id));
    expect(sessions).toHaveLength(1);
  });

  it("signs in with the right password and answers 401 to a wrong one", async () => {
    const email = uniqueEmail("signin");
    await signUp(call, email);
    const good = await call("POST", "/sign-in/email", { body: { email, password: TEST_PASSWORD } });
    expect(good.status).toBe(200);
    expect(good.headers.getSetCookie().join("\n")).toContain("better-auth.session_token=");

    const bad = await call("POST", "/sign-in/email", {
      body: { email, password: `${TEST_PASSWORD}!` },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.getSetCookie()).toEqual([]);
    const unknown = await call("POST", "/sign-in/email", {
      body: { email: uniqueEmail("nobody"), password: TEST_PASSWORD },
    });
    expect(unknown.status).toBe(401);
  });

  it("creates no second account for the same e-mail, whatever its case, and sets no session", async () => {
    const email = uniqueEmail("duplicate");
    const first = await signUp(call, email);
    for (const again of [email, email.toUpperCase()]) {
      const response = await call("POST", "/sign-up/email", {
        body: { email: again, password: TEST_PASSWORD, name: "Again" },
      });
      // Answered like a new address (account-lifecycle.test.ts compares the two).
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const rows = await userRows(email);
    expect(rows.map((row) => row.id)).toEqual([first.id]);
  });

  it.each([
    ["too short", "a".repeat(7)],
    ["too long", "a".repeat(129)],
  ])("refuses a password that is %s and creates nothing", async (_label, password) => {
    const email = uniqueEmail("weak");
    const response = await call("POST", "/sign-up/email", {
      body: { email, password, name: "Weak" },
    });
    expect(response.status).toBe(400);
    expect(await userRows(email)).toHaveLength(0);
  });

  it("accepts a strong password of 9 and one of exactly 128 characters", async () => {
    // zxcvbn scores even random 8-character passwords below 3: 9 is the shortest that passes.
    const long = "violet lantern orbit 42 ".repeat(6).slice(0, 128);
    for (const password of ["k9#Vx!2mQ", long]) {
      await expect(signUp(call, uniqueEmail("edge"), password)).resolves.toMatchObject({
        id: expect.any(String),
      });
    }
  });

  it("issues an EdDSA access token with the minimal claims that jose verifies against the JWKS", async () => {
    const email = uniqueEmail("token");
    const signedUp = await signUp(call, email);
    const token = await accessToken(call, signedUp.cookie);

    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe("EdDSA");
    expect(typeof header.kid).toBe("string");
    expect(Object.keys(header).sort()).toEqual(["alg", "kid"]);

    const jwksResponse = await call("GET", "/jwks");
    expect(jwksResponse.status).toBe(200);
    const keySet = (await jwksResponse.json()) as JSONWebKeySet;
    const published = keySet.keys.find((key) => key.kid === header.kid);
    expect(published).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    // Public half only.
    expect(published).not.toHaveProperty("d");

    const { payload } = await jwtVerify(token, createLocalJWKSet(keySet), {
      algorithms: ["EdDSA"],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    });
    expect(payload.sub).toBe(signedUp.id);
    expect(payload.email).toBe(email);
    expect(payload.name).toBe(email.split("@")[0]);
    // The session behind the cookie: what the tasks API checks on every request.
    expect(payload.sid).toBe(await sessionIdOf(call, signedUp.cookie));
    // What the authorizer and the site read from a token.
    expect(AccessTokenClaimsSchema.safeParse(payload).error).toBeUndefined();
    expect(Object.keys(payload).sort()).toEqual([
      "aud",
      "email",
      "exp",
      "iat",
      "iss",
      "name",
      "sid",
      "sub",
    ]);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    const now = Math.floor(Date.now() / 1000);
    expect(payload.iat).toBeGreaterThan(now - 120);
    expect(payload.iat).toBeLessThanOrEqual(now + 5);
  });

  it("refuses a token to a caller without a session", async () => {
    const response = await call("GET", "/token");
    expect(response.status).toBe(401);
  });

  it("refuses state-changing calls from an untrusted origin", async () => {
    const email = uniqueEmail("origin");
    await signUp(call, email);
    const response = await call("POST", "/sign-in/email", {
      body: { email, password: TEST_PASSWORD },
      headers: { origin: "https://attacker.example" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("keeps sessions in Postgres: signing out deletes the row and the cookie stops working", async () => {
    const signedUp = await signUp(call, uniqueEmail("signout"));
    const out = await call("POST", "/sign-out", { cookie: signedUp.cookie });
    expect(out.status).toBe(200);
    expect(await database.db.select().from(session).where(eq(session.userId, signedUp.id))).toEqual(
      [],
    );
    expect((await call("GET", "/token", { cookie: signedUp.cookie })).status).toBe(401);
  });

  it("refuses a malformed e-mail with 400 and creates nothing", async () => {
    const count = async () => (await database.db.select({ id: user.id }).from(user)).length;
    const before = await count();
    const response = await call("POST", "/sign-up/email", {
      body: { email: "not-an-email", password: TEST_PASSWORD, name: "x" },
    });
    expect(response.status).toBe(400);
    expect(await count()).toBe(before);
  });
});
