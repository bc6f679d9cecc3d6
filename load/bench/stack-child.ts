import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalStackOptions, startLocalStack } from "../../infra/local/stack";
import { STOP_MESSAGE, type StackReady } from "./stack-protocol";

/**
 * The body of a child process that serves the local stack to its parent (the bench, or a test
 * whose event loop blocks): a fresh data directory, the stack, a `StackReady` message over IPC,
 * and a clean exit on `STOP_MESSAGE` or when the parent goes away without saying so.
 */
export async function serveStackToParent(
  dataDirPrefix: string,
  options: Omit<LocalStackOptions, "dataDir">,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), dataDirPrefix));
  const stack = await startLocalStack({ ...options, dataDir });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
    })();
    return stopping;
  };
  process.on("message", (message) => {
    if (message === STOP_MESSAGE) void stop();
  });
  process.on("disconnect", () => void stop());

  const ready: StackReady = { url: stack.url, databaseLabel: stack.databaseLabel };
  process.send?.(ready);
}
