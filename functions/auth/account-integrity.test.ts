import { eq, inArray, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { createTestAuth, signUp, TEST_PASSWORD, uniqueEmail } from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { account, session, task, user, verification } from "../db/schema";

describeEachEngine("account integrity on %s", (database) => {
  const call = createTestAuth(database).caller();

  const usersWithEmail = (email: string) =>
    database.db.select({ id: user.id }).from(user).where(eq(user.email, email));

  it("rolls the user row back when the account insert fails, and answers without internals", async () => {
    const doomed = uniqueEmail("atomic-fault");
    // Fault injection: the credential-account insert fails for this one address only.
    await database.db.execute(
      sql.raw(`
        create function fail_account_for_doomed_user() returns trigger language plpgsql as $$
        begin
          if exists (select 1 from "user" where id = new.user_id and email = '${doomed}') then
            raise exception 'injected account failure';
          end if;
          return new;
        end $$`),
    );
    await database.db.execute(
      sql.raw(`create trigger account_fault before insert on account
               for each row execute function fail_account_for_doomed_user()`),
    );
    try {
      const response = await call("POST", "/sign-up/email", {
        body: { email: doomed, password: TEST_PASSWORD, name: "Doomed" },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.getSetCookie()).toEqual([]);
      const body = await response.text();
      expect(body).not.toMatch(
        /injected|insert|select|account|"user"|stack|\bat \w|postgres|pglite/i,
      );
      expect(() => JSON.parse(body)).not.toThrow();

      expect(await usersWithEmail(doomed)).toEqual([]);
      // The trigger only targets that address: everyone else still signs up.
      await expect(signUp(call, uniqueEmail("unaffected"))).resolves.toBeDefined();
    } finally {
      await database.db.execute(sql.raw("drop trigger account_fault on account"));
      await database.db.execute(sql.raw("drop function fail_account_for_doomed_user()"));
    }
  });

  it("creates exactly one account from 20 concurrent sign-ups for one e-mail, with no 5xx", async () => {
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        call("POST", "/sign-up/email", {
          body: { email, password: TEST_PASSWORD, name: `Racer ${index}` },
        }),
      ),
    );
    // A duplicate is answered like a new address (200); one that loses the insert race gets 422.
    const statuses = new Set(responses.map((response) => response.status));
    expect([...statuses].filter((status) => status !== 200 && status !== 422)).toEqual([]);
    const users = await usersWithEmail(email);
    expect(users).toHaveLength(1);
    const accounts = await database.db
      .select()
      .from(account)
      .where(eq(account.userId, users[0]?.id ?? ""));
    expect(accounts).toHaveLength(1);
  });

  it("deletes an account with its sessions, credentials and tasks, and leaves everyone else's rows", async () => {
    const leaving = await signUp(call, uniqueEmail("leaving"));
    const staying = await signUp(call, uniqueEmail("staying"));
    // A second session for the leaving user, as from another device.
    const otherDevice = await call("POST", "/sign-in/email", {
      body: { email: leaving.email, password: TEST_PASSWORD },
    });
    expect(otherDevice.status).toBe(200);
    await database.db.insert(task).values([
      { userId: leaving.id, title: "leaving's task" },
      { userId: leaving.id, title: "another one" },
      { userId: staying.id, title: "staying's task" },
    ]);
    await database.db.insert(verification).values([
      {
        id: `v-${leaving.id}`,
        identifier: `email-verification:${leaving.email}`,
        value: leaving.id,
        expiresAt: new Date(Date.now() + 3_600_000),
      },
      {
        id: `v-${staying.id}`,
        identifier: `email-verification:${staying.email}`,
        value: staying.id,
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    ]);
    const counts = async (userId: string) => ({
      user: (await database.db.select().from(user).where(eq(user.id, userId))).length,
      session: (await database.db.select().from(session).where(eq(session.userId, userId))).length,
      account: (await database.db.select().from(account).where(eq(account.userId, userId))).length,
      task: (await database.db.select().from(task).where(eq(task.userId, userId))).length,
    });
    expect(await counts(leaving.id)).toEqual({ user: 1, session: 2, account: 1, task: 2 });
    const stayingBefore = await counts(staying.id);

    const wrong = await call("POST", "/delete-user", {
      cookie: leaving.cookie,
      body: { password: `${TEST_PASSWORD}?` },
    });
    expect(wrong.status).toBe(400);
    const missing = await call("POST", "/delete-user", { cookie: leaving.cookie, body: {} });
    expect(missing.status).toBe(400);
    expect(await counts(leaving.id)).toEqual({ user: 1, session: 2, account: 1, task: 2 });

    const deleted = await call("POST", "/delete-user", {
      cookie: leaving.cookie,
      body: { password: TEST_PASSWORD },
    });
    expect(deleted.status).toBe(200);
    expect(await counts(leaving.id)).toEqual({ user: 0, session: 0, account: 0, task: 0 });
    expect(await counts(staying.id)).toEqual(stayingBefore);
    // Verification rows carry no user foreign key; they expire on their own and are untouched.
    const verifications = await database.db
      .select({ id: verification.id })
      .from(verification)
      .where(inArray(verification.id, [`v-${leaving.id}`, `v-${staying.id}`]));
    expect(verifications).toHaveLength(2);
    // The deleted user's cookie no longer opens anything.
    expect((await call("GET", "/token", { cookie: leaving.cookie })).status).toBe(401);
    expect(
      (
        await call("POST", "/sign-in/email", {
          body: { email: leaving.email, password: TEST_PASSWORD },
        })
      ).status,
    ).toBe(401);
  });

  it("cascades a user row deleted in SQL to their sessions, accounts and tasks", async () => {
    const gone = await signUp(call, uniqueEmail("sql-delete"));
    const kept = await signUp(call, uniqueEmail("sql-kept"));
    await database.db.insert(task).values([
      { userId: gone.id, title: "goes" },
      { userId: kept.id, title: "stays" },
    ]);
    await database.db.delete(user).where(eq(user.id, gone.id));
    for (const table of [session, account, task]) {
      expect(await database.db.select().from(table).where(eq(table.userId, gone.id))).toEqual([]);
      expect(
        (await database.db.select().from(table).where(eq(table.userId, kept.id))).length,
      ).toBeGreaterThan(0);
    }
  });
});
