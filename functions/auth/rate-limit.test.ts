import { eq, like } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import {
  type AuthCall,
  authCaller,
  createTestAuth,
  signUp,
  TEST_PASSWORD,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { rateLimit } from "../db/schema";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../shared/client-address";
import { CLIENT_IP_HEADER, createAuth, STRICT_RATE_LIMITS } from "./create-auth";

const SIGN_IN_MAX = STRICT_RATE_LIMITS["/sign-in/email"]?.max ?? 0;
const SIGN_UP_MAX = STRICT_RATE_LIMITS["/sign-up/email"]?.max ?? 0;
const ORIGIN_SECRET = "origin-secret-of-this-stage-0123456789abcdef";

describeEachEngine("rate limits on %s", (database) => {
  let first: AuthCall;
  let second: AuthCall;

  beforeAll(() => {
    // Two instances on one database, as two warm Lambdas would be, both behind CloudFront.
    const options = { originSecret: ORIGIN_SECRET };
    first = authCaller(createAuth(testAuthSettings(database.db)), "lambda", undefined, options);
    second = authCaller(createAuth(testAuthSettings(database.db)), "lambda", undefined, options);
  });

  const signIn = (
    call: AuthCall,
    sourceIp: string,
    email: string,
    headers?: Record<string, string>,
  ) =>
    call("POST", "/sign-in/email", { body: { email, password: TEST_PASSWORD }, sourceIp, headers });

  it("answers 429 once one address exhausts the sign-in budget, counted across instances in the database", async () => {
    expect(SIGN_IN_MAX).toBeGreaterThan(1);
    const ip = "203.0.113.7";
    const email = uniqueEmail("limited");
    await signUp(first, email);
    for (let attempt = 0; attempt < SIGN_IN_MAX; attempt++) {
      const response = await signIn(attempt % 2 === 0 ? first : second, ip, email);
      expect(response.status).toBe(200);
    }
    for (const call of [first, second]) {
      const limited = await signIn(call, ip, email);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("x-retry-after"))).toBeGreaterThan(0);
      expect(limited.headers.getSetCookie()).toEqual([]);
    }
    const [row] = await database.db
      .select()
      .from(rateLimit)
      .where(eq(rateLimit.key, `${ip}|/sign-in/email`));
    expect(row?.count).toBe(SIGN_IN_MAX);
    // Another address is unaffected.
    expect((await signIn(second, "203.0.113.8", email)).status).toBe(200);
  });

  it("ignores client-sent address headers: forged values do not open new buckets", async () => {
    const ip = "198.51.100.20";
    // A new e-mail each time, so only the address can be what refuses (not the account lockout).
    const email = () => uniqueEmail("forger");
    for (let attempt = 0; attempt < SIGN_IN_MAX; attempt++) {
      expect((await signIn(first, ip, email())).status).toBe(401);
    }
    const forged = await signIn(first, ip, email(), {
      [CLIENT_IP_HEADER]: "192.0.2.99",
      "x-forwarded-for": "192.0.2.100",
      "x-real-ip": "192.0.2.101",
    });
    expect(forged.status).toBe(429);
  });

  it("keys CloudFront viewers by the address the edge saw, not the edge's own", async () => {
    const edge = "130.176.0.10";
    // A new account each time: only the per-address budget is under test.
    const email = () => uniqueEmail("viewer");
    const viewer = (address: string) => ({
      [VIEWER_ADDRESS_HEADER]: address,
      [ORIGIN_VERIFY_HEADER]: ORIGIN_SECRET,
    });
    for (let attempt = 0; attempt < SIGN_IN_MAX; attempt++) {
      const call = attempt % 2 === 0 ? first : second;
      expect((await signIn(call, edge, email(), viewer("192.0.2.10"))).status).toBe(401);
    }
    expect((await signIn(first, edge, email(), viewer("192.0.2.10"))).status).toBe(429);
    // Other viewers behind the same edge keep their own budget, IPv6 ones included.
    expect((await signIn(first, edge, email(), viewer("2001:db8::1"))).status).toBe(401);
    expect((await signIn(first, edge, email(), viewer("192.0.2.11"))).status).toBe(401);
  });

  it("a direct caller cannot pick a bucket: a new forged viewer address per request, no or a wrong secret", async () => {
    const peer = "198.51.100.30";
    const email = () => uniqueEmail("direct");
    const forged = (attempt: number): Record<string, string> => ({
      [VIEWER_ADDRESS_HEADER]:
        attempt % 2 === 0 ? `192.0.2.${attempt + 1}` : `2001:db8:${attempt}::1`,
      "cloudfront-viewer-address": `192.0.2.${attempt + 100}:443`,
      ...(attempt % 3 === 0
        ? {}
        : { [ORIGIN_VERIFY_HEADER]: `${ORIGIN_SECRET.slice(0, -1)}${attempt}` }),
    });
    for (let attempt = 0; attempt < SIGN_IN_MAX; attempt++) {
      expect((await signIn(first, peer, email(), forged(attempt))).status).toBe(401);
    }
    expect((await signIn(second, peer, email(), forged(SIGN_IN_MAX))).status).toBe(429);
    const [row] = await database.db
      .select()
      .from(rateLimit)
      .where(eq(rateLimit.key, `${peer}|/sign-in/email`));
    expect(row?.count).toBe(SIGN_IN_MAX);
  });

  it("limits sign-ups per address more strictly than other paths", async () => {
    const ip = "203.0.113.50";
    for (let index = 0; index < SIGN_UP_MAX; index++) {
      const response = await first("POST", "/sign-up/email", {
        body: { email: uniqueEmail("bulk"), password: TEST_PASSWORD, name: "Bulk" },
        sourceIp: ip,
      });
      expect(response.status).toBe(200);
    }
    const refused = await second("POST", "/sign-up/email", {
      body: { email: uniqueEmail("bulk"), password: TEST_PASSWORD, name: "Bulk" },
      sourceIp: ip,
    });
    expect(refused.status).toBe(429);
    // Less sensitive paths still answer from that address.
    expect((await first("GET", "/jwks", { sourceIp: ip })).status).toBe(200);
  });

  it("writes no rate_limit row for a path Better Auth does not serve, and one for each it does", async () => {
    const ip = "203.0.113.77";
    const rowsOf = () =>
      database.db
        .select({ key: rateLimit.key })
        .from(rateLimit)
        .where(like(rateLimit.key, `${ip}|%`));
    for (const [method, path] of [
      ["GET", "/no-such-endpoint"],
      ["POST", "/sign-in/email/extra"],
      ["GET", "/jwks.json"],
    ] as const) {
      const response = await first(method, path, { sourceIp: ip });
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe("");
    }
    expect(await rowsOf()).toEqual([]);

    expect((await first("GET", "/get-session", { sourceIp: ip })).status).toBe(200);
    // A path with a parameter is served (the reset link's landing redirect), so it is counted.
    expect(
      (await first("GET", "/reset-password/not-a-real-token", { sourceIp: ip })).status,
    ).not.toBe(404);
    expect((await rowsOf()).map((row) => row.key).sort()).toEqual([
      `${ip}|/get-session`,
      `${ip}|/reset-password/not-a-real-token`,
    ]);
  });

  it("does not limit at all when disabled (local load tests only)", async () => {
    const unlimited = createTestAuth(database, { rateLimit: { enabled: false } }).caller();
    const ip = "203.0.113.99";
    const email = uniqueEmail("unlimited");
    for (let attempt = 0; attempt < SIGN_IN_MAX + 2; attempt++) {
      expect((await signIn(unlimited, ip, email)).status).toBe(401);
    }
  });
});
