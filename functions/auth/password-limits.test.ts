import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthCall,
  authCaller,
  type CallOptions,
  signUp,
  TEST_PASSWORD,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";
import { createTestDatabase, ENGINES, type TestDatabase } from "../../infra/testing/database";
import { rateLimit, user } from "../db/schema";
import { type Auth, createAuth, RATE_LIMIT_EXEMPT_PATHS, STRICT_RATE_LIMITS } from "./create-auth";

const SLOW_TEST_MS = 120_000;

/** What a routed Better Auth endpoint exposes about itself (auth.api entries carry both). */
interface EndpointInfo {
  path?: string;
  options?: { body?: { shape?: Record<string, unknown> }; metadata?: { SERVER_ONLY?: boolean } };
}

/** Paths Better Auth's router serves over HTTP whose body takes a password field. */
function passwordTakingPaths(auth: Auth): string[] {
  const paths = new Set<string>();
  for (const endpoint of Object.values(auth.api) as EndpointInfo[]) {
    const { path, options } = endpoint;
    if (!path || options?.metadata?.SERVER_ONLY) continue;
    const fields = Object.keys(options?.body?.shape ?? {});
    if (fields.some((field) => /password/i.test(field))) paths.add(path);
  }
  return [...paths].sort();
}

const WRONG_PASSWORD = "not the password at all";

describe.each(ENGINES)(
  "per-address limits through the Lambda on %s",
  (engine) => {
    let database: TestDatabase;
    let call: AuthCall;
    let cookie: string;
    let email: string;

    beforeAll(async () => {
      database = await createTestDatabase(engine);
      call = authCaller(createAuth(testAuthSettings(database.db)), "lambda");
      email = uniqueEmail("limits");
      cookie = (await signUp(call, email)).cookie;
    });
    afterAll(async () => {
      await database.dispose();
    });

    /** One realistic attempt per path: a wrong password, a bad token, a fresh address each time. */
    const attempts: Record<string, (attempt: number) => CallOptions> = {
      "/sign-in/email": () => ({ body: { email: uniqueEmail("guess"), password: WRONG_PASSWORD } }),
      "/sign-up/email": () => ({
        body: { email: uniqueEmail("bulk"), password: TEST_PASSWORD, name: "Bulk" },
      }),
      "/verify-password": () => ({ body: { password: WRONG_PASSWORD }, cookie }),
      "/change-password": () => ({
        body: { currentPassword: WRONG_PASSWORD, newPassword: "another long passphrase" },
        cookie,
      }),
      "/delete-user": () => ({ body: { password: WRONG_PASSWORD }, cookie }),
      "/reset-password": (attempt) => ({
        body: { newPassword: "another long passphrase", token: `guessed-token-${attempt}` },
      }),
      "/request-password-reset": () => ({ body: { email: uniqueEmail("reset") } }),
      "/send-verification-email": () => ({ body: { email: uniqueEmail("resend") } }),
      "/verify-email": () => ({}),
      "/change-email": () => ({ body: { newEmail: uniqueEmail("move") }, cookie }),
    };

    /** The one strict path that is a GET: a guessed link each time. */
    const send = (path: string, attempt: number, sourceIp: string) => {
      if (path === "/verify-email") {
        return call("GET", `/verify-email?token=guessed-token-${attempt}`, { sourceIp });
      }
      const options = attempts[path] ?? (() => ({}));
      return call("POST", path, { ...options(attempt), sourceIp });
    };

    it("puts every routed endpoint that takes a password on the strict limit, found in Better Auth's own routes", () => {
      const found = passwordTakingPaths(createAuth(testAuthSettings(database.db)));
      // The endpoints this app has today; a Better Auth upgrade or a new plugin adds to the list.
      expect(found).toEqual(
        expect.arrayContaining([
          "/change-password",
          "/delete-user",
          "/reset-password",
          "/sign-in/email",
          "/verify-password",
        ]),
      );
      for (const path of found) {
        const rule = STRICT_RATE_LIMITS[path];
        expect(rule, path).toBeDefined();
        expect(rule?.max, path).toBeLessThanOrEqual(10);
        expect(rule?.window, path).toBeGreaterThanOrEqual(60);
      }
      expect(STRICT_RATE_LIMITS["/request-password-reset"]?.max).toBeLessThanOrEqual(5);
    });

    it("has a realistic attempt for every strict path", () => {
      expect(Object.keys(attempts).sort()).toEqual(Object.keys(STRICT_RATE_LIMITS).sort());
    });

    it.each(Object.entries(STRICT_RATE_LIMITS))(
      "answers 429 on %s once one address has used its budget",
      async (path, rule) => {
        const sourceIp = `198.18.${Object.keys(STRICT_RATE_LIMITS).indexOf(path)}.1`;
        for (let attempt = 0; attempt < rule.max; attempt++) {
          const response = await send(path, attempt, sourceIp);
          expect(response.status, `attempt ${attempt + 1}`).not.toBe(429);
        }
        const refused = await send(path, rule.max, sourceIp);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("x-retry-after"))).toBeGreaterThan(0);
        expect(Number(refused.headers.get("x-retry-after"))).toBeLessThanOrEqual(rule.window);
        // Another address still gets an answer from the endpoint itself.
        const other = await send(path, rule.max + 1, "198.18.99.1");
        expect(other.status).not.toBe(429);
      },
    );

    it("never deletes the account through guessed passwords", async () => {
      const [row] = await database.db.select().from(user).where(eq(user.email, email));
      expect(row?.email).toBe(email);
    });

    it("serves the JWKS to one address 150 times and still lets it sign in", async () => {
      const sourceIp = "198.18.200.1";
      const statuses = new Set<number>();
      for (let request = 0; request < 150; request++) {
        statuses.add((await call("GET", "/jwks", { sourceIp })).status);
      }
      expect([...statuses]).toEqual([200]);
      expect(RATE_LIMIT_EXEMPT_PATHS).toContain("/jwks");
      // No bucket is even opened for the exempt path.
      expect(
        await database.db
          .select()
          .from(rateLimit)
          .where(like(rateLimit.key, `${sourceIp}%`)),
      ).toEqual([]);
      const signIn = await call("POST", "/sign-in/email", {
        body: { email, password: TEST_PASSWORD },
        sourceIp,
      });
      expect(signIn.status).toBe(200);
    });
  },
  // Every attempt hashes a password with scrypt (32 MiB, tens of ms), a dozen or more per test.
  SLOW_TEST_MS,
);
