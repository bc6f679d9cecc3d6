import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openDatabase, pingDatabase } from "../../functions/db/database";
import { FLOOR_PATH, STOP_MESSAGE, type StackReady } from "./stack-protocol";

/**
 * The throughput floor: a bare node:http server, no gateway, no authorizer, no framework, that
 * answers FLOOR_PATH by running `SELECT 1` through the same driver and the same pool settings the
 * tasks function opens (openDatabase's defaults). In its own process, as the stack is in its own.
 */
const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl) throw new Error("the bench's floor server needs BENCH_DATABASE_URL");

const database = await openDatabase({ url: databaseUrl });
const server = createServer((request, response) => {
  if (request.method !== "GET" || request.url !== FLOOR_PATH) {
    response.writeHead(404).end();
    return;
  }
  pingDatabase(database.db).then(
    () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"ok":true}');
    },
    () => {
      response.writeHead(503, { "content-type": "application/json" });
      response.end('{"ok":false}');
    },
  );
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    // A pool that cannot close must not keep the process alive.
    setTimeout(() => process.exit(0), 5_000).unref();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.close();
    process.exit(0);
  })();
  return stopping;
}

process.on("message", (message) => {
  if (message === STOP_MESSAGE) void stop();
});
process.on("disconnect", () => void stop());

const ready: StackReady = {
  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  databaseLabel: database.label,
};
process.send?.(ready);
