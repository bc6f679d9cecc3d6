import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { runMigrations } from "./migrate";

function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

describeEachEngine("migrations on %s", { migrate: false, per: "test" }, (database) => {
  it("creates every table, foreign key and check constraint on a fresh database", async () => {
    const result = await runMigrations(database.db);
    expect(result.applied).toBe(result.total);

    const tables = rowsOf<{ table_name: string }>(
      await database.db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      ),
    ).map((row) => row.table_name);
    expect(tables).toEqual([
      "account",
      "jwks",
      "rate_limit",
      "session",
      "sign_in_failure",
      "task",
      "user",
      "verification",
    ]);

    const constraints = rowsOf<{ name: string; definition: string }>(
      await database.db.execute(sql`
        select conname as name, pg_get_constraintdef(oid) as definition
        from pg_constraint where contype in ('f', 'c') order by conname`),
    );
    const byName = Object.fromEntries(constraints.map((c) => [c.name, c.definition]));
    for (const fk of [
      "account_user_id_user_id_fk",
      "session_user_id_user_id_fk",
      "task_user_id_user_id_fk",
    ]) {
      expect(byName[fk]).toMatch(/REFERENCES "?user"?\(id\) ON DELETE CASCADE/);
    }
    expect(byName.task_title_trimmed_length).toContain("btrim");
    expect(byName.task_description_length).toContain("2000");
  });

  it("does nothing on a second run", async () => {
    await runMigrations(database.db);
    expect(await runMigrations(database.db)).toMatchObject({ applied: 0 });
  });

  it("applies once when two runs start at the same time", async () => {
    const results = await Promise.all([runMigrations(database.db), runMigrations(database.db)]);
    expect(results.map((r) => r.applied).sort()).toEqual([0, results[0]?.total]);
    const applied = rowsOf<{ count: string | number }>(
      await database.db.execute(sql`select count(*) as count from drizzle.__drizzle_migrations`),
    );
    expect(Number(applied[0]?.count)).toBe(results[0]?.total);
  });

  it("enforces the task limits in the database itself", async () => {
    await runMigrations(database.db);
    await database.db.execute(
      sql`insert into "user" (id, name, email) values ('u1', 'U', 'u@example.com')`,
    );
    const insert = (title: string, description: string | null) =>
      database.db.execute(
        sql`insert into task (user_id, title, description) values ('u1', ${title}, ${description})`,
      );
    await expect(insert("", null)).rejects.toThrow();
    await expect(insert(" padded ", null)).rejects.toThrow();
    await expect(insert("x".repeat(201), null)).rejects.toThrow();
    await expect(insert("ok", "d".repeat(2001))).rejects.toThrow();
    await expect(insert("x".repeat(200), "d".repeat(2000))).resolves.toBeDefined();
  });
});
