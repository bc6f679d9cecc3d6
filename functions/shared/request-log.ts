import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { type RequestIdVariables, requestId } from "hono/request-id";
import { routePath } from "hono/route";
import { bindingsOf, type LambdaBindings } from "./gateway-event";
import { invocationTracker } from "./invocation-scope";
import { elapsedMs, type LogFields, logRequest } from "./log";
import { recordMetrics, statusClass } from "./metrics";

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

/**
 * Runs each request as one invocation of `service` (every line it writes carries the request id
 * as `correlation_id`, and the first request is the cold start), echoes the request id in
 * `x-request-id`, and ends it with exactly one log line and one EMF line: the response by status
 * class and its latency (plus DatabaseUnavailable for a 503).
 */
export function observeRequests(service: string): MiddlewareHandler<ObservedEnv> {
  const invocation = invocationTracker(service);
  return (c, next) =>
    invocation(c.get("requestId"), async () => {
      const started = performance.now();
      await next();
      const requestId = c.get("requestId");
      c.res.headers.set("x-request-id", requestId);
      const userId = c.get("userId");
      const { status } = c.res;
      const durationMs = elapsedMs(started);
      logRequest("request", {
        requestId,
        method: c.req.method,
        route: bindingsOf(c).event?.routeKey ?? `${c.req.method} ${routePath(c, -1)}`,
        path: c.req.path,
        status,
        durationMs,
        ...(userId ? { userId } : {}),
        ...c.get("failure"),
      });
      recordMetrics(
        { ApiResponses: 1, ApiLatency: durationMs },
        { statusClass: statusClass(status) },
      );
      if (status === 503) recordMetrics({ DatabaseUnavailable: 1 });
    });
}
