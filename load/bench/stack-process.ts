import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pingDatabase } from "../../functions/db/database";
import { startLocalStack } from "../../infra/local/stack";
import { FLOOR_PATH, STOP_MESSAGE, type StackReady } from "./stack-protocol";

/**
 * The system under load for the API benchmark, in its own process so the load generator does
 * not share its event loop: the local stack (real entries, local API Gateway, Neon driver to
 * PostgreSQL) plus one local-only floor route on the same gateway that runs `SELECT 1` through
 * the same driver with the same pool size as the tasks function. Talks to the bench over IPC.
 */
const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl) throw new Error("the bench's stack process needs BENCH_DATABASE_URL");

const dataDir = await mkdtemp(join(tmpdir(), "bench-stack-"));
const stack = await startLocalStack({
  port: 0,
  databaseUrl,
  dataDir,
  // One secret per database (api-load-bench.ts derives it): the jwks rows it encrypts stay readable
  // by the next stack the bench starts on the same database.
  secret: process.env.BENCH_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
  // Sign-up is rate-limited per client IP; every bench user comes from 127.0.0.1.
  rateLimit: false,
  // The bench signs its users up over HTTP and measures the API, not the mailbox round trip.
  emailVerification: false,
  serveSite: false,
  quiet: true,
  // The stack's handle, opened as functions/tasks/handler.ts opens its own: same driver, same pool.
  extraRoutes: ({ db }) => ({
    routes: [{ key: `GET ${FLOOR_PATH}`, function: "floor", auth: "none" }],
    functions: {
      floor: async () => {
        await pingDatabase(db);
        return {
          statusCode: 200,
          headers: { "content-type": "application/json" },
          body: '{"ok":true}',
        };
      },
    },
  }),
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  })();
  return stopping;
}

process.on("message", (message) => {
  if (message === STOP_MESSAGE) void stop();
});
// The bench went away without saying so: do not linger.
process.on("disconnect", () => void stop());

const ready: StackReady = { url: stack.url, databaseLabel: stack.databaseLabel };
process.send?.(ready);
