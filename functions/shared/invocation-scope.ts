import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What every log line and metric of one invocation shares. Kept per async context, not in the
 * logger: the local stack serves concurrent requests of several functions in one process, and a
 * Lambda instance's module state would mix them there.
 */
export interface Invocation {
  /** The function serving it: `service` on its lines and the dimension of its metrics. */
  readonly service: string;
  /** API Gateway's request id: `correlation_id` on every line the invocation writes. */
  readonly correlationId?: string;
  /** The first invocation this handler instance serves. */
  readonly coldStart: boolean;
}

const invocations = new AsyncLocalStorage<Invocation>();

/** The invocation the caller runs in, if any. */
export function currentInvocation(): Invocation | undefined {
  return invocations.getStore();
}

/** Runs one invocation of `service`'s handler: the first call of a tracker is the cold start. */
export function invocationTracker(service: string) {
  let coldStart = true;
  return <T>(correlationId: string | undefined, run: () => T): T => {
    const invocation: Invocation = {
      service,
      coldStart,
      ...(correlationId ? { correlationId } : {}),
    };
    coldStart = false;
    return invocations.run(invocation, run);
  };
}
