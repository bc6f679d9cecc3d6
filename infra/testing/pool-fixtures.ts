import { threadId } from "node:worker_threads";
import type { LocalFunctionFactory, LocalFunctionSpec } from "../local/function-instance-protocol";

/**
 * Functions for the function pool's tests, each built by its factory inside an instance: they
 * report which instance answered and what its module state holds.
 */
export type FixtureEvent =
  | { do: "count" }
  | { do: "wait"; ms: number }
  | { do: "spin"; ms: number }
  | { do: "throw" }
  | { do: "exit" };

export interface FixtureAnswer {
  thread: number;
  /** Invocations this instance has answered, this one included: module state. */
  count: number;
  /** When the handler began and ended this invocation (epoch ms). */
  began: number;
  ended: number;
}

let count = 0;

function spin(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Holds this instance's thread, as CPU-bound work would.
  }
}

export const fixture: LocalFunctionFactory = async ({ environment }) => {
  if (environment.FAIL_INIT === "yes") throw new Error("init refused by the fixture");
  return {
    handler: async (event) => {
      const action = event as FixtureEvent;
      const began = Date.now();
      count += 1;
      if (action.do === "wait") await new Promise((resolve) => setTimeout(resolve, action.ms));
      if (action.do === "spin") spin(action.ms);
      if (action.do === "throw") throw new TypeError("the fixture threw");
      if (action.do === "exit") process.exit(3);
      const answer: FixtureAnswer = { thread: threadId, count, began, ended: Date.now() };
      return answer;
    },
  };
};

export function fixtureFunction(environment: Record<string, string> = {}): LocalFunctionSpec {
  return { module: import.meta.url, factory: "fixture", input: { environment } };
}
