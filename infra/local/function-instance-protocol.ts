import type { Context } from "aws-lambda";

/**
 * What the local stack's function pool and its instances (worker threads) say to each other.
 * Everything here crosses a thread boundary, so it is plain data (structured clone).
 */

/** Where an instance finds its function: a module and the export that builds the handler. */
export interface LocalFunctionSpec {
  /** A file URL of a module whose `factory` export is a `LocalFunctionFactory`. */
  module: string;
  factory: string;
  /** What the factory gets: the function's environment, as deployed, plus local-only inputs. */
  input: LocalFunctionInput;
}

export interface LocalFunctionInput {
  /** The environment variables the function would get in a stage. */
  environment: Record<string, string>;
  /** The data directory, whose mail/ folder is the outbox of a function that sends mail. */
  dataDir?: string;
}

export type LocalHandler = (event: unknown, context: Context) => unknown;

export interface LocalFunctionInstance {
  handler: LocalHandler;
  close?: () => Promise<void>;
}

/** Builds one instance's handler: what a Lambda entry does at its cold start. */
export type LocalFunctionFactory = (input: LocalFunctionInput) => Promise<LocalFunctionInstance>;

export interface InstanceData {
  name: string;
  spec: LocalFunctionSpec;
}

export interface SerializedError {
  name: string;
  message: string;
}

/** An instance serves one invocation at a time, so its answer needs no id. */
export interface InvokeMessage {
  kind: "invoke";
  event: unknown;
  requestId: string;
  remainingMs: number;
}

export type PoolMessage = InvokeMessage | { kind: "close" };

export type InstanceMessage =
  | { kind: "ready" }
  | { kind: "init-failed"; error: SerializedError }
  | { kind: "result"; result: unknown }
  | { kind: "error"; error: SerializedError };

/** The worker entry every instance runs. */
export const LOCAL_FUNCTION_INSTANCE = new URL("./function-instance.ts", import.meta.url).href;
