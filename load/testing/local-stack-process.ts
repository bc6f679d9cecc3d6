import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "../../infra/local/stack";

/**
 * `npm start` for a test that blocks its own event loop (the fake k6 runtime waits for each answer
 * synchronously): the local stack on a fresh embedded PGlite, e-mail verification on as in every
 * stage, rate limits off as the README's k6 runs have them. Sends its origin over IPC; stops on
 * "stop" or when the parent goes away.
 */
const dataDir = await mkdtemp(join(tmpdir(), "k6-runtime-stack-"));
const stack = await startLocalStack({
  port: 0,
  databaseUrl: `memory:k6-runtime-${randomBytes(4).toString("hex")}`,
  dataDir,
  secret: randomBytes(32).toString("base64url"),
  rateLimit: false,
  serveSite: false,
  quiet: true,
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
  if (message === "stop") void stop();
});
process.on("disconnect", () => void stop());
process.send?.({ url: stack.url });
