import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, ENGINES, type TestDatabase } from "../../infra/testing/database";
import { closeSharedDatabases, type DatabaseHandle, openDatabase } from "../db/database";
import type { Environment } from "../shared/config";
import { migrateConfig, migrateEnvironment } from "./config";

type Entry = typeof import("./handler");

let coldStarts = 0;

/**
 * Evaluates the entry afresh, as a cold start with exactly this environment would. Only the
 * entry is re-evaluated (a distinct module id), so it shares the database module, and with it
 * the named in-memory PGlite, with the test.
 */
async function loadEntry(env: Environment): Promise<Entry> {
  for (const { variable } of Object.values(migrateConfig.settings)) {
    vi.stubEnv(variable, env[variable]);
  }
  coldStarts += 1;
  const specifier = `./handler.ts?cold-start=${coldStarts}`;
  return (await import(/* @vite-ignore */ specifier)) as Entry;
}

describe.each(ENGINES)("migrate Lambda on %s", (engine) => {
  let url: string;
  let inspect: DatabaseHandle;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    if (engine === "pglite") {
      // A named in-memory database is shared within the process, so the test sees what the entry did.
      url = `memory:migrate-${randomBytes(4).toString("hex")}`;
      inspect = await openDatabase({ url });
      dispose = closeSharedDatabases;
    } else {
      const database: TestDatabase = await createTestDatabase(engine, { migrate: false });
      url = database.url;
      inspect = database;
      dispose = () => database.dispose();
    }
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await dispose();
  });

  it("applies every migration on the first run and nothing on the second", async () => {
    const entry = await loadEntry(migrateEnvironment({ databaseUrl: url }));
    const first = await entry.handler();
    expect(first.applied).toBeGreaterThan(0);
    expect(first.applied).toBe(first.total);
    const tables = await inspect.db.execute(
      sql`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('user', 'task')`,
    );
    expect(JSON.stringify(tables)).toContain('"n":2');

    const second = await (await loadEntry(migrateEnvironment({ databaseUrl: url }))).handler();
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
      const entry = await loadEntry(migrateEnvironment({ databaseUrl: url, migrationsDir: dir }));
      await expect(entry.handler()).rejects.toThrow(/^database migration failed$/);
      const tables = await inspect.db.execute(
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
