import { randomUUID } from "node:crypto";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { handle, LambdaEvent } from "hono/aws-lambda";
import type { GatewayEvent, GatewayResult } from "../../functions/shared/gateway-event";
import {
  type EventOptions,
  gatewayResultToResponse,
  requestToGatewayEvent,
} from "../local/gateway-event";
import { createRouteMatcher } from "../local/route-matcher";
import { type FunctionName, ROUTES } from "../routes";

/**
 * API Gateway HTTP API events (payload format 2.0) as tests feed them to the Lambda entries: the
 * events of a function's routes, selected from the route table as API Gateway selects them, and
 * the REQUEST authorizer's event.
 */

/** A Lambda entry as API Gateway invokes it for a route. */
export type GatewayLambda = (event: GatewayEvent) => Promise<GatewayResult>;

/** What the route does not decide: the caller, the request id, the authorizer's context. */
export type RouteEventOptions = Omit<EventOptions, "routeKey" | "pathParameters">;

/**
 * Builds the events API Gateway sends `fn`: the route `request` matches among `fn`'s routes gives
 * the route key and path parameters; a request that matches none of them throws.
 */
export function routeEvents(fn: FunctionName) {
  const match = createRouteMatcher(ROUTES.filter((route) => route.function === fn));
  return async (request: Request, options: RouteEventOptions = {}): Promise<GatewayEvent> => {
    const { pathname } = new URL(request.url);
    const matched = match(request.method, pathname);
    if (!matched)
      throw new Error(`API Gateway has no ${fn} route for ${request.method} ${pathname}`);
    return requestToGatewayEvent(request, {
      ...options,
      routeKey: matched.route.key,
      pathParameters: matched.pathParameters,
    });
  };
}

/** Calls `lambda` with `request` as API Gateway does for `fn`'s routes, and answers its result as HTTP. */
export function lambdaClient(fn: FunctionName, lambda: GatewayLambda) {
  const toEvent = routeEvents(fn);
  return async (request: Request, options: RouteEventOptions = {}): Promise<Response> =>
    gatewayResultToResponse(await lambda(await toEvent(request, options)));
}

/** hono/aws-lambda types its handler for every event source; tests only send HTTP API 2.0 ones. */
export function honoLambda(handler: ReturnType<typeof handle>): GatewayLambda {
  return async (event) => (await handler(event as unknown as LambdaEvent)) as GatewayResult;
}

/**
 * An API Gateway HTTP API REQUEST authorizer event, payload format 2.0, as AWS sends it for
 * identity source `$request.header.Authorization` (headers lower-cased).
 */
export function authorizerEvent(
  headers: Record<string, string>,
  options: { requestId?: string; routeKey?: string; path?: string } = {},
): APIGatewayRequestAuthorizerEventV2 {
  const routeKey = options.routeKey ?? "GET /api/tasks";
  const [method = "GET"] = routeKey.split(" ");
  const path = options.path ?? "/api/tasks";
  const now = new Date();
  const lowered = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/${method}${path}`,
    identitySource: lowered.authorization === undefined ? [] : [lowered.authorization],
    routeKey,
    rawPath: path,
    rawQueryString: "",
    cookies: [],
    headers: {
      accept: "application/json",
      host: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "vitest",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
      ...lowered,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      domainName: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abcdef1234",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "vitest",
      },
      requestId: options.requestId ?? randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}
