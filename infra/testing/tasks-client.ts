import { handle } from "hono/aws-lambda";
import type { Database } from "../../functions/db/database";
import type { AuthorizerContext } from "../../functions/shared/gateway-event";
import { createTasksApp } from "../../functions/tasks/app";
import type { Caller } from "../../functions/tasks/caller-session";
import { gatewayResultToResponse } from "../local/gateway-event";
import { type GatewayLambda, honoLambda, routeEvents } from "./gateway-events";

/**
 * Test helper: calls the tasks API the way API Gateway does. It matches the route table,
 * builds a payload 2.0 event with the route key, path parameters and (for JWT routes) the
 * authorizer context, and invokes `handle(createTasksApp({ db }))` exactly as the Lambda entry.
 */

export interface CallOptions {
  /** Serialised as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent byte for byte (with the given headers). */
  rawBody?: string;
  /** Sent as a base64 event body, as API Gateway passes bytes it does not treat as text. */
  bytes?: Uint8Array;
  headers?: Record<string, string>;
  /** The caller the authorizer let through; omit for an invocation without authorizer context. */
  as?: Caller;
  /** Replaces the whole authorizer context (for malformed contexts). */
  authorizer?: AuthorizerContext;
  requestId?: string;
}

export const TEST_VERIFY_MS = 0.437;

export type GatewayClient = (
  method: string,
  path: string,
  options?: CallOptions,
) => Promise<Response>;

/**
 * A client for the tasks API on `database` (a handle, or a suite's fixture whose `db` is set by
 * the time the first request is sent: the app is built then).
 */
export function createGatewayClient(database: { readonly db: Database }): GatewayClient {
  const toEvent = routeEvents("api");
  let lambda: GatewayLambda | undefined;
  return async (method, path, options = {}) => {
    lambda ??= honoLambda(handle(createTasksApp({ db: database.db })));
    const headers = new Headers(options.headers);
    let body: string | undefined = options.rawBody;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const request = new Request(new URL(path, "https://api.example.test"), {
      method,
      headers,
      body,
    });
    const authorizer =
      options.authorizer ??
      (options.as === undefined
        ? undefined
        : {
            userId: options.as.userId,
            sessionId: options.as.sessionId,
            verifyMs: TEST_VERIFY_MS,
          });
    const event = await toEvent(request, { authorizer, requestId: options.requestId });
    if (options.bytes) {
      event.body = Buffer.from(options.bytes).toString("base64");
      event.isBase64Encoded = true;
    }
    return gatewayResultToResponse(await lambda(event));
  };
}
