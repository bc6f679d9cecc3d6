import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { coldStartWith } from "../../infra/testing/cold-start";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { closeSharedDatabases } from "../db/database";
import type { Environment } from "../shared/config";
import { migrateConfig, migrateEnvironment } from "./config";

type Entry = typeof import("./handler");

/**
 * Evaluates the entry afresh, as a cold start with exactly this environment would: every
 * variable the migrate config declares is set as given or unset. Only the entry is re-evaluated,
 * so it shares the database module, and with it the named in-memory PGlite, with the test.
 */
function loadEntry(env: Environment): Promise<Entry> {
  return coldStartWith<Entry>(new URL("./handler.ts", import.meta.url), migrateConfig, env);
}

// Every test starts from an empty database that the entry opens by its URL.
const EMPTY_DATABASE_PER_TEST = { migrate: false, openedByUrl: true, per: "test" } as const;

describeEachEngine("migrate Lambda on %s", EMPTY_DATABASE_PER_TEST, (database) => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("applies every migration on the first run and nothing on the second", async () => {
    const entry = await loadEntry(migrateEnvironment({ databaseUrl: database.url }));
    const first = await entry.handler();
    expect(first.applied).toBeGreaterThan(0);
    expect(first.applied).toBe(first.total);
    const tables = await database.db.execute(
      sql`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('user', 'task')`,
    );
    expect(JSON.stringify(tables)).toContain('"n":2');

    const second = await (
      await loadEntry(migrateEnvironment({ databaseUrl: database.url }))
    ).handler();
    expect(second).toEqual({ applied: 0, total: first.total });
  });

  it("fails the deploy with a generic error when a migration cannot apply", async () => {
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    try {
      const { mkdirSync, writeFileSync } = await import("node:fs");
      mkdirSync(join(dir, "meta"));
      writeFileSync(
        join(dir, "meta", "_journal.json"),
        JSON.stringify({
          version: "7",
          dialect: "postgresql",
          entries: [{ idx: 0, version: "7", when: 1, tag: "0000_broken", breakpoints: true }],
        }),
      );
      writeFileSync(
        join(dir, "0000_broken.sql"),
        "create table broken (id int references nowhere(id));",
      );
      const entry = await loadEntry(
        migrateEnvironment({ databaseUrl: database.url, migrationsDir: dir }),
      );
      await expect(entry.handler()).rejects.toThrow(/^database migration failed$/);
      const tables = await database.db.execute(
        sql`select count(*)::int as n from information_schema.tables where table_name = 'broken'`,
      );
      expect(JSON.stringify(tables)).toContain('"n":0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("migrate Lambda settings", () => {
  afterEach(() => vi.unstubAllEnvs());

  const { settings } = migrateConfig;

  it(`refuses a ${settings.migrationsDir.variable} without drizzle migrations at cold start`, async () => {
    const migrationsDir = join(tmpdir(), "no-such-dir");
    await expect(
      loadEntry(migrateEnvironment({ databaseUrl: "memory:", migrationsDir })),
    ).rejects.toThrow(
      `${settings.migrationsDir.variable} ${migrationsDir} holds no drizzle migrations`,
    );
  });

  it("refuses to start without a usable database URL, naming it", async () => {
    await expect(loadEntry(migrateEnvironment({ databaseUrl: "mysql://db/app" }))).rejects.toThrow(
      new RegExp(`^${settings.databaseUrl.variable} must start with postgres://`),
    );
  });

  it(`reads migrations from $${settings.taskRoot.variable}/migrations when the bundle has them`, async () => {
    const root = mkdtempSync(join(tmpdir(), "task-root-"));
    try {
      const { cpSync } = await import("node:fs");
      const { MIGRATIONS_FOLDER } = await import("../db/migrate");
      cpSync(MIGRATIONS_FOLDER, join(root, "migrations"), { recursive: true });
      const name = `memory:bundle-${randomBytes(4).toString("hex")}`;
      const entry = await loadEntry(migrateEnvironment({ databaseUrl: name, taskRoot: root }));
      const result = await entry.handler();
      expect(result.applied).toBe(result.total);
    } finally {
      rmSync(root, { recursive: true, force: true });
      await closeSharedDatabases();
    }
  });
});
