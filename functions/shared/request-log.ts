import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { type RequestIdVariables, requestId } from "hono/request-id";
import { routePath } from "hono/route";
import { bindingsOf, type LambdaBindings } from "./gateway-event";
import { elapsedMs, type LogFields, logRequest } from "./log";

export type ObservedEnv = {
  Bindings: LambdaBindings;
  Variables: RequestIdVariables & {
    /** The caller, once an app knows it. */
    userId?: string;
    /** What went wrong, for the request's log line (never a query, a body or a token). */
    failure?: LogFields;
  };
};

/**
 * Hono's request-id middleware with API Gateway's request id, so logs, `x-request-id` and
 * API Gateway's own records agree. No header name: a client-sent X-Request-Id is never taken.
 */
export const gatewayRequestId: MiddlewareHandler<ObservedEnv> = requestId({
  headerName: "",
  generator: (c) => bindingsOf(c).requestContext?.requestId || randomUUID(),
});

/** Echoes the request id in `x-request-id` and writes exactly one log line per request. */
export const requestLog: MiddlewareHandler<ObservedEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const requestId = c.get("requestId");
  c.res.headers.set("x-request-id", requestId);
  const userId = c.get("userId");
  logRequest("request", {
    requestId,
    method: c.req.method,
    route: bindingsOf(c).event?.routeKey ?? `${c.req.method} ${routePath(c, -1)}`,
    path: c.req.path,
    status: c.res.status,
    durationMs: elapsedMs(started),
    ...(userId ? { userId } : {}),
    ...c.get("failure"),
  });
};
