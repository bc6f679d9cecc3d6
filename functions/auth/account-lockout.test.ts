import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthCall,
  authCaller,
  signUp,
  TEST_PASSWORD,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";
import { createTestDatabase, ENGINES, type TestDatabase } from "../../infra/testing/database";
import { signInFailure } from "../db/schema";
import {
  ACCOUNT_LOCKED_CODE,
  ACCOUNT_LOCKOUT_POLICY,
  accountKey,
  accountLockedError,
  clearAccountLockout,
  createAccountLockout,
} from "./account-lockout";
import { createAuth } from "./create-auth";

const SLOW_TEST_MS = 120_000;

const MAX = ACCOUNT_LOCKOUT_POLICY.maxFailures;
const WRONG_PASSWORD = "a wrong guess of the password";

interface LockedBody {
  code?: string;
  message?: string;
}

describe.each(ENGINES)(
  "per-account lockout on %s",
  (engine) => {
    let database: TestDatabase;
    const secret = randomBytes(32).toString("base64url");
    let first: AuthCall;
    let second: AuthCall;

    beforeAll(async () => {
      database = await createTestDatabase(engine);
      // Two instances on one database with one secret, as two warm Lambdas are.
      first = authCaller(createAuth(testAuthSettings(database.db, { secret })), "lambda");
      second = authCaller(createAuth(testAuthSettings(database.db, { secret })), "lambda");
    });
    afterAll(async () => {
      await database.dispose();
    });

    /** Each attempt from its own address, so only the per-account counter can refuse it. */
    let attempts = 0;
    const signIn = (call: AuthCall, email: string, password: string) => {
      attempts += 1;
      const sourceIp = `198.51.${Math.floor(attempts / 250)}.${(attempts % 250) + 1}`;
      return call("POST", "/sign-in/email", { body: { email, password }, sourceIp });
    };

    const counterOf = async (email: string) => {
      const [row] = await database.db
        .select()
        .from(signInFailure)
        .where(eq(signInFailure.key, accountKey(secret, email)));
      return row;
    };

    async function failTimes(email: string, times: number, calls: AuthCall[] = [first]) {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < times; attempt++) {
        const call = calls[attempt % calls.length] ?? first;
        statuses.push((await signIn(call, email, WRONG_PASSWORD)).status);
      }
      return statuses;
    }

    it(`locks an account after ${MAX} failures from ${MAX} addresses, even against the right password`, async () => {
      const victim = uniqueEmail("victim");
      const bystander = uniqueEmail("bystander");
      await signUp(first, victim);
      await signUp(first, bystander);

      expect(await failTimes(victim, MAX)).toEqual(Array(MAX).fill(401));

      const refused = await signIn(first, victim, TEST_PASSWORD);
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as LockedBody;
      expect(body.code).toBe(ACCOUNT_LOCKED_CODE);
      expect(body.message).toBe(
        "Too many failed sign-ins for this account. Try again in 15 minutes or reset your password.",
      );
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(ACCOUNT_LOCKOUT_POLICY.lockSeconds - 60);
      expect(retryAfter).toBeLessThanOrEqual(ACCOUNT_LOCKOUT_POLICY.lockSeconds);
      expect(refused.headers.getSetCookie()).toEqual([]);

      // Other accounts are untouched.
      expect((await signIn(first, bystander, TEST_PASSWORD)).status).toBe(200);
    });

    it("counts an unknown e-mail exactly as a known one, so lockout reveals no accounts", async () => {
      const known = uniqueEmail("known");
      const unknown = uniqueEmail("unknown");
      await signUp(first, known);
      const knownStatuses = await failTimes(known, MAX + 1);
      const unknownStatuses = await failTimes(unknown, MAX + 1);
      expect(unknownStatuses).toEqual(knownStatuses);
      const [knownBody, unknownBody] = await Promise.all(
        [known, unknown].map(async (email) => {
          const response = await signIn(first, email, TEST_PASSWORD);
          return { status: response.status, body: await response.json() };
        }),
      );
      expect(unknownBody).toEqual(knownBody);
      expect((await counterOf(unknown))?.failures).toBe(MAX);
    });

    it("shares one counter for every spelling of the address that reaches one account", async () => {
      const email = uniqueEmail("spelling");
      await signUp(first, email);
      await failTimes(email.toUpperCase(), MAX - 1);
      await failTimes(email, 1);
      expect((await signIn(first, email.toUpperCase(), TEST_PASSWORD)).status).toBe(429);
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(429);
    });

    it("lets the owner in once the lock has expired, and starts the count again", async () => {
      const email = uniqueEmail("expired");
      await signUp(first, email);
      await failTimes(email, MAX);
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(429);
      // Fifteen minutes later, as far as the row is concerned.
      const past = new Date(Date.now() - 1_000);
      await database.db
        .update(signInFailure)
        .set({ windowStartedAt: new Date(past.getTime() - 15 * 60_000), lockedUntil: past })
        .where(eq(signInFailure.key, accountKey(secret, email)));
      // One failure after the lock starts a fresh window instead of re-locking.
      expect(await failTimes(email, 1)).toEqual([401]);
      expect(await counterOf(email)).toMatchObject({ failures: 1, lockedUntil: null });
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(200);
    });

    it("resets the counter on a successful sign-in", async () => {
      const email = uniqueEmail("reset");
      await signUp(first, email);
      expect(await failTimes(email, MAX - 1)).toEqual(Array(MAX - 1).fill(401));
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(200);
      expect(await counterOf(email)).toBeUndefined();
      expect(await failTimes(email, MAX - 1)).toEqual(Array(MAX - 1).fill(401));
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(200);
    });

    it("shares the counter between two instances on one database", async () => {
      const email = uniqueEmail("shared");
      await signUp(first, email);
      expect(await failTimes(email, MAX, [first, second])).toEqual(Array(MAX).fill(401));
      for (const call of [first, second]) {
        expect((await signIn(call, email, TEST_PASSWORD)).status).toBe(429);
      }
    });

    it("counts concurrent failures on two instances, each exactly once", async () => {
      const email = uniqueEmail("burst");
      await signUp(first, email);
      // All checked before any is counted, so none is refused before its password is checked.
      const responses = await Promise.all(
        Array.from({ length: MAX }, (_, index) =>
          signIn(index % 2 === 0 ? first : second, email, WRONG_PASSWORD),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(MAX).fill(401));
      expect((await counterOf(email))?.failures).toBe(MAX);
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(429);
      expect((await signIn(second, email, TEST_PASSWORD)).status).toBe(429);
    });

    it("counts 20 failures recorded at the same time, in one statement each", async () => {
      const email = uniqueEmail("parallel");
      const lockout = createAccountLockout({ db: database.db, secret });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => lockout.recordFailure(email)),
      );
      expect(results.map((result) => result.failures).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      const row = await counterOf(email);
      expect(row?.failures).toBe(20);
      expect(row?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
    });

    it("counts nothing for a sign-in without an e-mail, which Better Auth refuses itself", async () => {
      const before = await database.db.select().from(signInFailure);
      const response = await first("POST", "/sign-in/email", {
        body: { password: WRONG_PASSWORD },
      });
      expect(response.status).toBe(400);
      expect(await database.db.select().from(signInFailure)).toEqual(before);
    });

    it("locks at once under a one-failure policy, and says so in whole minutes", async () => {
      const strict = createAccountLockout({
        db: database.db,
        secret,
        policy: { maxFailures: 1, windowSeconds: 60, lockSeconds: 60 },
      });
      const email = uniqueEmail("strict");
      const failure = await strict.recordFailure(email);
      expect(failure).toMatchObject({ failures: 1, lockedFor: 60 });
      expect(await strict.lockedFor(email)).toBe(60);
      const refused = accountLockedError(failure.lockedFor ?? 0);
      expect(refused.body?.message).toContain("Try again in 1 minute or reset your password.");
      expect(accountLockedError(90).body?.message).toContain("Try again in 2 minutes");
      await strict.clear(email);
    });

    it("stores no e-mail address, only keyed hashes", async () => {
      const rows = await database.db.select({ key: signInFailure.key }).from(signInFailure);
      expect(rows.length).toBeGreaterThan(0);
      for (const { key } of rows) expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Another secret names another counter: the keys cannot be looked up without it.
      expect(accountKey("another secret of at least 32 chars!", "a@example.com")).not.toBe(
        accountKey(secret, "a@example.com"),
      );
    });

    it("clears a lock for the reset flow", async () => {
      const email = uniqueEmail("cleared");
      await signUp(first, email);
      await failTimes(email, MAX);
      await clearAccountLockout(database.db, secret, email);
      expect((await signIn(first, email, TEST_PASSWORD)).status).toBe(200);
    });

    describe("its clock", () => {
      const start = new Date("2030-01-01T00:00:00.000Z");
      const minutes = (count: number) => new Date(start.getTime() + count * 60_000);
      let now = start;
      const lockout = () => createAccountLockout({ db: database.db, secret, now: () => now });

      it("forgets failures spread over more than one window", async () => {
        const email = uniqueEmail("slow");
        for (let attempt = 0; attempt < 3 * MAX; attempt++) {
          now = minutes(attempt * 2);
          const { lockedFor } = await lockout().recordFailure(email);
          expect(lockedFor, `failure ${attempt + 1}`).toBeUndefined();
        }
      });

      it("keeps a lock for its duration and never extends it", async () => {
        const email = uniqueEmail("bounded");
        now = start;
        for (let attempt = 0; attempt < MAX; attempt++) await lockout().recordFailure(email);
        expect(await lockout().lockedFor(email)).toBe(ACCOUNT_LOCKOUT_POLICY.lockSeconds);
        // Failures that raced the lock do not push its end.
        now = minutes(10);
        expect((await lockout().recordFailure(email)).lockedFor).toBe(5 * 60);
        now = minutes(14);
        expect(await lockout().lockedFor(email)).toBe(60);
        now = minutes(15);
        expect(await lockout().lockedFor(email)).toBeUndefined();
      });

      it("prunes counters that are past their window and lock", async () => {
        const stale = uniqueEmail("stale");
        now = start;
        await lockout().recordFailure(stale);
        now = minutes(31);
        await lockout().recordFailure(uniqueEmail("fresh"));
        const rows = await database.db
          .select({ count: sql<number>`count(*)::int` })
          .from(signInFailure)
          .where(eq(signInFailure.key, accountKey(secret, stale)));
        expect(Number(rows[0]?.count)).toBe(0);
      });
    });
  },
  // Every attempt hashes a password with scrypt (32 MiB, tens of ms), a dozen or more per test.
  SLOW_TEST_MS,
);
