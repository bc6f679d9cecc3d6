import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { sql } from "drizzle-orm";
import { type DatabaseHandle, openDatabase } from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";

/**
 * Test databases. Every suite that touches data runs on both engines: an in-memory PGlite and
 * a real PostgreSQL reached through the Neon driver and the local WebSocket pipe. The Postgres
 * server comes from TEST_POSTGRES_URL (default: the machine's server on 127.0.0.1:5432); each
 * test database is created fresh and dropped afterwards. With CI=true an unreachable server
 * fails the run instead of skipping.
 */
export type Engine = "pglite" | "postgres";

export interface TestDatabase extends DatabaseHandle {
  /** The URL a function under test would receive as DATABASE_URL. */
  url: string;
  /** Closes the connection and drops the database. */
  dispose(): Promise<void>;
}

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? DEFAULT_SERVER_URL;
const isCI = process.env.CI === "true";

function canReach(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5432) });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const postgresReachable = await canReach(TEST_POSTGRES_URL);
if (!postgresReachable && isCI) {
  throw new Error(`CI=true but PostgreSQL at ${new URL(TEST_POSTGRES_URL).host} is unreachable`);
}
if (!postgresReachable) {
  console.warn(
    `PostgreSQL at ${new URL(TEST_POSTGRES_URL).host} unreachable: Postgres suites skipped (PGlite still runs)`,
  );
}

/** The engines this run covers: PGlite always, PostgreSQL when reachable (always in CI). */
export const ENGINES: Engine[] = postgresReachable ? ["pglite", "postgres"] : ["pglite"];

export interface CreateOptions {
  /** Apply the checked-in migrations (default true). */
  migrate?: boolean;
}

export async function createTestDatabase(
  engine: Engine,
  options: CreateOptions = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (engine === "pglite") {
    const handle = await openDatabase({ url: "memory:" });
    if (migrate) await runMigrations(handle.db);
    return { ...handle, url: "memory:", dispose: () => handle.close() };
  }
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ url: TEST_POSTGRES_URL, maxConnections: 1 });
  try {
    await admin.db.execute(sql.raw(`create database "${name}"`));
  } finally {
    await admin.close();
  }
  const url = withDatabaseName(TEST_POSTGRES_URL, name);
  const handle = await openDatabase({ url, maxConnections: 10 });
  if (migrate) await runMigrations(handle.db);
  return {
    ...handle,
    url,
    dispose: async () => {
      await handle.close();
      const cleanup = await openDatabase({ url: TEST_POSTGRES_URL, maxConnections: 1 });
      try {
        await cleanup.db.execute(sql.raw(`drop database if exists "${name}" with (force)`));
      } finally {
        await cleanup.close();
      }
    },
  };
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
