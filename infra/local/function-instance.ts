import { parentPort, workerData } from "node:worker_threads";
import type {
  InstanceData,
  InstanceMessage,
  LocalFunctionFactory,
  LocalFunctionInstance,
  PoolMessage,
  SerializedError,
} from "./function-instance-protocol";
import { createLambdaContext } from "./lambda-context";

/**
 * One instance of a local function, in its own worker thread: it builds its handler once (the
 * cold start), then answers one invocation at a time, as a Lambda sandbox does.
 */
const port = parentPort;
if (!port) throw new Error("function-instance.ts runs as a worker thread of the function pool");
const { name, spec } = workerData as InstanceData;

function serialize(error: unknown): SerializedError {
  // Only the name and message cross: the gateway logs them; stacks stay in the instance.
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

const send = (message: InstanceMessage) => port.postMessage(message);

let instance: LocalFunctionInstance;
try {
  const module = (await import(spec.module)) as Record<string, unknown>;
  const factory = module[spec.factory];
  if (typeof factory !== "function") {
    throw new Error(`${spec.module} has no function export "${spec.factory}"`);
  }
  instance = await (factory as LocalFunctionFactory)(spec.input);
} catch (error) {
  send({ kind: "init-failed", error: serialize(error) });
  process.exit(1);
}

port.on("message", async (message: PoolMessage) => {
  if (message.kind === "close") {
    await instance.close?.().catch(() => undefined);
    process.exit(0);
  }
  const context = createLambdaContext(name, message.requestId, message.remainingMs);
  try {
    const result = await instance.handler(message.event, context);
    send({ kind: "result", result });
  } catch (error) {
    send({ kind: "error", error: serialize(error) });
  }
});
send({ kind: "ready" });
