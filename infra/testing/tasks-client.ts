import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { handle, type LambdaEvent } from "hono/aws-lambda";
import type { Database } from "../../functions/db/database";
import { type TaskRow, task, user } from "../../functions/db/schema";
import type { AuthorizerContext, GatewayResult } from "../../functions/shared/gateway-event";
import { createTasksApp } from "../../functions/tasks/app";
import { gatewayResultToResponse, requestToGatewayEvent } from "../local/gateway-event";
import { createRouteMatcher } from "../local/route-matcher";
import { ROUTES } from "../routes";

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
  /** The user the authorizer let through; omit for an invocation without authorizer context. */
  as?: string;
  /** Replaces the whole authorizer context (for malformed contexts). */
  authorizer?: AuthorizerContext;
  requestId?: string;
}

export const TEST_VERIFY_MS = 0.437;

/** The tasks API's routes, selected as API Gateway (and the local gateway) selects them. */
const matchApiRoute = createRouteMatcher(ROUTES.filter((route) => route.function === "api"));

export type GatewayClient = (
  method: string,
  path: string,
  options?: CallOptions,
) => Promise<Response>;

export function createGatewayClient(db: Database): GatewayClient {
  const handler = handle(createTasksApp({ db }));
  return async (method, path, options = {}) => {
    const url = new URL(path, "https://api.example.test");
    const matched = matchApiRoute(method, url.pathname);
    if (!matched) throw new Error(`API Gateway has no route for ${method} ${url.pathname}`);
    const { route, pathParameters } = matched;
    const headers = new Headers(options.headers);
    let body: string | undefined = options.rawBody;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const request = new Request(url, { method, headers, body });
    const authorizer =
      options.authorizer ??
      (options.as === undefined ? undefined : { userId: options.as, verifyMs: TEST_VERIFY_MS });
    const event = await requestToGatewayEvent(request, {
      routeKey: route.key,
      pathParameters,
      authorizer,
      requestId: options.requestId,
    });
    if (options.bytes) {
      event.body = Buffer.from(options.bytes).toString("base64");
      event.isBase64Encoded = true;
    }
    const result = await handler(event as unknown as LambdaEvent);
    return gatewayResultToResponse(result as GatewayResult);
  };
}

/** Inserts a row in "user" directly (Better Auth's own flows are tested by the auth function). */
export async function insertUser(db: Database, name = "Test user"): Promise<string> {
  const id = randomUUID();
  await db.insert(user).values({ id, name, email: `${id}@example.test` });
  return id;
}

export async function countTasks(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(task);
  return Number(row?.count);
}

export async function taskRows(db: Database, userId: string): Promise<TaskRow[]> {
  return db.select().from(task).where(sql`${task.userId} = ${userId}`);
}
