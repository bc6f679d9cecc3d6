import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Context } from "aws-lambda";
import {
  type InstanceData,
  type InstanceMessage,
  type InvokeMessage,
  LOCAL_FUNCTION_INSTANCE,
  type LocalFunctionSpec,
  type SerializedError,
} from "./function-instance-protocol";

/**
 * Lambda's concurrency model on one machine: each instance of a function is a worker thread
 * with its own module state that serves one invocation at a time. Instances start on demand
 * (paying their init, as a cold start does) up to `instances`; beyond that, invocations wait
 * for the first instance to come free. An invocation past its deadline ends its instance, as
 * Lambda ends a timed-out sandbox, and a crashed instance is replaced on the next invocation.
 */
export interface FunctionPoolOptions {
  /** The function's name, as in the route table (logs, errors, the context's functionName). */
  name: string;
  spec: LocalFunctionSpec;
  /** The most instances that run at once (Lambda's concurrency for this function). */
  instances: number;
}

export interface FunctionPoolStats {
  /** Instances alive now (starting, idle or busy). */
  instances: number;
  /** Instances ever started: every one paid a cold start. */
  coldStarts: number;
  /** Invocations waiting for an instance. */
  queued: number;
}

export interface FunctionPool {
  invoke(event: unknown, context: Context): Promise<unknown>;
  /**
   * Starts one instance ahead of the first invocation (provisioned concurrency of one) and
   * settles once it is ready: rejects with its init error if it cannot start.
   */
  warm(): Promise<void>;
  stats(): FunctionPoolStats;
  close(): Promise<void>;
}

export class FunctionFailed extends Error {
  constructor(functionName: string, cause: SerializedError) {
    super(`${functionName}: ${cause.name}: ${cause.message}`);
    this.name = cause.name === "Error" ? "FunctionFailed" : cause.name;
  }
}

/**
 * Workers load TypeScript sources as `npm start` does, through tsx, registered by the worker
 * itself: Node 20 does not apply a loader given in a worker's execArgv to the worker's modules.
 */
const TSX_ESM_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs"),
).href;
const INSTANCE_BOOTSTRAP = `import(${JSON.stringify(TSX_ESM_API)}).then(({ register }) => {
  register();
  return import(${JSON.stringify(LOCAL_FUNCTION_INSTANCE)});
});`;
const CLOSE_GRACE_MS = 2_000;

interface Invocation {
  event: unknown;
  context: Context;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Instance {
  worker: Worker;
  state: "starting" | "idle" | "busy" | "gone";
  /** Settles when the init ends: fulfilled once ready, rejected with the init's error. */
  ready: Promise<void>;
  endInit(error?: Error): void;
  /** The one invocation it serves, while busy. */
  current?: { invocation: Invocation; timer: NodeJS.Timeout };
}

/** A worker's lines reach this process's console, so test runners capture them per test. */
function forwardLines(stream: NodeJS.ReadableStream, write: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", write);
}

export function createFunctionPool(options: FunctionPoolOptions): FunctionPool {
  if (!Number.isInteger(options.instances) || options.instances < 1) {
    throw new Error(`${options.name}: instances must be a whole number of at least 1`);
  }
  const live = new Set<Instance>();
  const queue: Invocation[] = [];
  let coldStarts = 0;
  let closed = false;

  function retire(instance: Instance, error: Error): void {
    if (instance.state === "gone") return;
    const wasStarting = instance.state === "starting";
    // A no-op once the init has ended.
    instance.endInit(error);
    instance.state = "gone";
    live.delete(instance);
    const current = instance.current;
    instance.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.invocation.reject(error);
    } else if (wasStarting) {
      // An init that fails fails the invocation that waited for it, as on Lambda.
      queue.shift()?.reject(error);
    }
    void instance.worker.terminate();
    dispatch();
  }

  function run(instance: Instance, invocation: Invocation): void {
    const remainingMs = invocation.context.getRemainingTimeInMillis();
    const timer = setTimeout(() => {
      retire(instance, new FunctionFailed(options.name, timedOut(remainingMs)));
    }, remainingMs);
    timer.unref();
    instance.state = "busy";
    instance.current = { invocation, timer };
    const message: InvokeMessage = {
      kind: "invoke",
      event: invocation.event,
      requestId: invocation.context.awsRequestId,
      remainingMs,
    };
    instance.worker.postMessage(message);
  }

  function start(): Instance {
    const data: InstanceData = { name: options.name, spec: options.spec };
    const worker = new Worker(INSTANCE_BOOTSTRAP, {
      eval: true,
      // The bootstrap registers tsx; inheriting `--import tsx` as well would register it twice.
      execArgv: [],
      workerData: data,
      stdout: true,
      stderr: true,
    });
    let endInit: Instance["endInit"] = () => {};
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      endInit = (error) => (error ? rejectReady(error) : resolveReady());
    });
    // Nobody need wait for an instance's init; its failure reaches whoever does.
    ready.catch(() => undefined);
    const instance: Instance = { worker, state: "starting", ready, endInit };
    live.add(instance);
    coldStarts += 1;
    forwardLines(worker.stdout, (line) => console.log(line));
    forwardLines(worker.stderr, (line) => console.error(line));
    worker.on("message", (message: InstanceMessage) => {
      if (message.kind === "ready") {
        instance.state = "idle";
        instance.endInit();
        dispatch();
      } else if (message.kind === "init-failed") {
        retire(instance, new FunctionFailed(options.name, message.error));
      } else if (instance.current) {
        const { invocation, timer } = instance.current;
        clearTimeout(timer);
        instance.current = undefined;
        instance.state = "idle";
        if (message.kind === "result") invocation.resolve(message.result);
        else invocation.reject(new FunctionFailed(options.name, message.error));
        dispatch();
      }
    });
    worker.on("error", (error) =>
      retire(
        instance,
        new FunctionFailed(options.name, { name: error.name, message: error.message }),
      ),
    );
    worker.on("exit", (code) => retire(instance, new FunctionFailed(options.name, exited(code))));
    return instance;
  }

  function dispatch(): void {
    if (closed) return;
    for (const instance of live) {
      if (queue.length === 0) return;
      if (instance.state === "idle") run(instance, queue.shift() as Invocation);
    }
    const starting = [...live].filter((instance) => instance.state === "starting").length;
    // One new instance for each waiting invocation no starting instance will take.
    for (let waiting = queue.length - starting; waiting > 0; waiting--) {
      if (live.size >= options.instances) return;
      start();
    }
  }

  return {
    invoke(event, context) {
      if (closed) return Promise.reject(new Error(`${options.name}: the pool is closed`));
      return new Promise((resolve, reject) => {
        queue.push({ event, context, resolve, reject });
        dispatch();
      });
    },
    async warm() {
      if (closed) throw new Error(`${options.name}: the pool is closed`);
      // Any live instance will do: a running one's init has already ended well.
      await ([...live][0] ?? start()).ready;
    },
    stats: () => ({ instances: live.size, coldStarts, queued: queue.length }),
    async close() {
      closed = true;
      for (const waiting of queue.splice(0)) {
        waiting.reject(new Error(`${options.name}: the pool closed`));
      }
      await Promise.all(
        [...live].map(async (instance) => {
          const exited = new Promise((resolveExit) => instance.worker.once("exit", resolveExit));
          instance.worker.postMessage({ kind: "close" });
          const grace = setTimeout(() => void instance.worker.terminate(), CLOSE_GRACE_MS);
          await exited;
          clearTimeout(grace);
        }),
      );
    },
  };
}

function timedOut(afterMs: number): SerializedError {
  return { name: "FunctionTimedOut", message: `did not answer within ${afterMs} ms` };
}

function exited(code: number): SerializedError {
  return { name: "InstanceExited", message: `the instance exited with code ${code}` };
}
