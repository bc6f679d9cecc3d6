import { neonConfig, Pool } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import ws from "ws";
import type { LocalWebSocketPipe } from "./local-websocket-pipe";
import { isLoopbackHost } from "./loopback-host";
import { type Schema, schema } from "./schema";

/** The drizzle database every function uses, whichever engine is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  /** "postgres" (Neon driver over WebSocket) or "pglite" (embedded). */
  kind: "postgres" | "pglite";
  /** A short description for logs, without credentials. */
  label: string;
  close(): Promise<void>;
}

export interface DatabaseSettings {
  /**
   * `postgres://…` / `postgresql://…` for a Postgres server (Neon or local); `memory:` for a
   * fresh in-memory PGlite; `memory:<name>` for an in-memory PGlite shared by name within the
   * process; `pglite:<dir>` for PGlite persisted in a directory (also shared within the process).
   */
  url: string;
  /** Pool size for a Postgres server; a Lambda serves one request at a time. */
  maxConnections?: number;
}

const sharedEmbedded = new Map<string, Promise<DatabaseHandle>>();

export async function openDatabase(settings: DatabaseSettings): Promise<DatabaseHandle> {
  const { url } = settings;
  if (url === "memory:") return openEmbedded(undefined);
  if (url.startsWith("pglite:") || url.startsWith("memory:")) {
    // One embedded engine per data directory (or named memory database) per process: the
    // handlers a test opens by the same URL share it, as Lambdas would share a server.
    let shared = sharedEmbedded.get(url);
    if (!shared) {
      shared = openEmbedded(url.startsWith("pglite:") ? url.slice("pglite:".length) : undefined);
      sharedEmbedded.set(url, shared);
      shared.catch(() => sharedEmbedded.delete(url));
    }
    const handle = await shared;
    return { ...handle, close: async () => {} };
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error("DATABASE_URL must start with postgres://, postgresql://, pglite: or memory:");
  }
  const parsed = new URL(url);
  await configureNeonDriver(parsed.hostname);
  const pool = new Pool({
    connectionString: url,
    max: settings.maxConnections ?? 4,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its socket must not crash the process.
  pool.on("error", () => {});
  return {
    db: drizzleNeon({ client: pool, schema }) as unknown as Database,
    kind: "postgres",
    label: `Postgres (${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname})`,
    close: () => pool.end(),
  };
}

async function openEmbedded(dataDir: string | undefined): Promise<DatabaseHandle> {
  // Loaded on demand: deployed bundles leave the embedded engine out (see infra/app-stack.ts).
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
  ]);
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  return {
    db: drizzlePglite({ client, schema }) as unknown as Database,
    kind: "pglite",
    label: dataDir ? `PGlite (${dataDir})` : "PGlite (in memory)",
    close: () => client.close(),
  };
}

/** Closes the shared embedded databases (tests and CLIs call this when they are done). */
export async function closeSharedDatabases(): Promise<void> {
  const handles = await Promise.allSettled([...sharedEmbedded.values()]);
  sharedEmbedded.clear();
  for (const handle of handles) {
    if (handle.status === "fulfilled") await handle.value.close();
  }
}

let localPipe: Promise<LocalWebSocketPipe> | undefined;

/** Neon over WSS for real hosts; for a loopback server, the same driver through the local pipe. */
async function configureNeonDriver(hostname: string): Promise<void> {
  // ws even where Node has a WebSocket of its own: the bundled ws (49 KiB) loads faster than the
  // runtime's lazily loaded undici client (measured: about 30 ms less on Node 24).
  neonConfig.webSocketConstructor = ws;
  // Only tests and the local stack reach a server on this machine: the pipe loads for them alone.
  if (!isLoopbackHost(hostname)) return;
  localPipe ??= import("./local-websocket-pipe").then((pipe) => pipe.startLocalWebSocketPipe());
  const { port } = await localPipe;
  neonConfig.wsProxy = (host, pgPort) => `127.0.0.1:${port}/v2?address=${host}:${pgPort}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
}

/** Throws when the database cannot answer; used by health checks. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
