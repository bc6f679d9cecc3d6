import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { sql } from "drizzle-orm";
import {
  closeSharedDatabases,
  type DatabaseHandle,
  openDatabase,
} from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";

/**
 * Test databases. Every suite that touches data runs on both engines: an in-memory PGlite and
 * a real PostgreSQL reached through the Neon driver and the local WebSocket pipe. The Postgres
 * server comes from TEST_POSTGRES_URL (default: the machine's server on 127.0.0.1:5432); each
 * test database is created fresh and dropped afterwards. With CI=true an unreachable server
 * fails the run instead of skipping; TEST_ENGINES=pglite skips the server on purpose.
 */
export type Engine = "pglite" | "postgres";

export interface TestDatabase extends DatabaseHandle {
  /** The URL a function under test would receive as DATABASE_URL (see `openedByUrl` for PGlite). */
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

async function probeEngines(): Promise<Engine[]> {
  const reachable = await canReach(TEST_POSTGRES_URL);
  const host = new URL(TEST_POSTGRES_URL).host;
  if (!reachable && isCI) throw new Error(`CI=true but PostgreSQL at ${host} is unreachable`);
  if (!reachable) {
    console.warn(`PostgreSQL at ${host} unreachable: Postgres suites skipped (PGlite still runs)`);
  }
  return reachable ? ["pglite", "postgres"] : ["pglite"];
}

const isEngine = (name: string): name is Engine => name === "pglite" || name === "postgres";

function parseEngines(list: string): Engine[] {
  const engines = list.split(",").map((name) => name.trim());
  if (!engines.every(isEngine)) throw new Error(`TEST_ENGINES: unknown engine in "${list}"`);
  return engines;
}

/**
 * The engines this run covers: PGlite always, PostgreSQL when reachable (always in CI). A test
 * run probes once in its global setup (global-setup.ts) and hands the answer to every file in
 * TEST_ENGINES; anything else (the bench) probes here.
 */
export const ENGINES: Engine[] = process.env.TEST_ENGINES
  ? parseEngines(process.env.TEST_ENGINES)
  : await probeEngines();

export interface CreateOptions {
  /** Apply the checked-in migrations (default true). */
  migrate?: boolean;
  /**
   * For a Lambda entry that opens DATABASE_URL itself: on PGlite a named in-memory database, which
   * an entry in the same process opening `url` shares; disposing it closes every such database.
   */
  openedByUrl?: boolean;
}

export async function createTestDatabase(
  engine: Engine,
  options: CreateOptions = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (engine === "pglite") {
    const url = options.openedByUrl ? `memory:test-${randomBytes(4).toString("hex")}` : "memory:";
    const handle = await openDatabase({ url });
    if (migrate) await runMigrations(handle.db);
    // A named database's own close() leaves it open for the process's other users.
    const dispose = options.openedByUrl ? closeSharedDatabases : () => handle.close();
    return { ...handle, url, dispose };
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

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
