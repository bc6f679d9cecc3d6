import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * The local stack's embedded database as a server: one PGlite engine (persisted in a directory,
 * or in memory) behind pglite-socket's Postgres wire protocol on 127.0.0.1, so every function
 * instance, each in its own thread, reaches it as a deployed function reaches Neon: a
 * `postgres://` URL through the Neon driver. pglite-socket multiplexes the connections onto the
 * one engine and keeps a transaction's statements together.
 */
export interface EmbeddedDatabaseServer {
  /** A `postgres://` URL for the Neon driver (through its local pipe, as for any loopback host). */
  url: string;
  /** A short description for logs. */
  label: string;
  close(): Promise<void>;
}

/** Connections the server accepts: every pool of every instance, with room to spare. */
const MAX_CONNECTIONS = 128;

export async function startEmbeddedDatabaseServer(
  dataDir: string | undefined,
): Promise<EmbeddedDatabaseServer> {
  const engine = await PGlite.create(dataDir ? { dataDir } : {});
  const server = new PGLiteSocketServer({
    db: engine,
    host: "127.0.0.1",
    port: 0,
    maxConnections: MAX_CONNECTIONS,
  });
  try {
    await server.start();
  } catch (error) {
    await engine.close();
    throw error;
  }
  // "127.0.0.1:<port>": the port the system chose.
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    label: dataDir ? `PGlite (${dataDir})` : "PGlite (in memory)",
    close: async () => {
      await server.stop();
      await engine.close();
    },
  };
}
