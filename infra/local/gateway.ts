import { randomBytes } from "node:crypto";
import type { Context } from "aws-lambda";
import type { GatewayEvent, GatewayResult } from "../../functions/shared/gateway-event";
import { describeError, log } from "../../functions/shared/log";
import {
  AUTHORIZER_CACHE_TTL_SECONDS,
  GATEWAY_INTEGRATION_TIMEOUT_MS,
  GATEWAY_MAX_BODY_BYTES,
} from "../api-gateway-limits";
import type { RouteAuth } from "../routes";
import {
  API_SECURITY_HEADERS,
  securityHeaderFields,
  withSecurityHeaders,
} from "../security-headers";
import { type AuthorizerFunction, createAuthorizerGate } from "./authorizer-gate";
import { gatewayResultToResponse, requestToGatewayEvent } from "./gateway-event";
import { createLambdaContext, InvocationTimeout, invokeWithTimeout } from "./lambda-context";
import { createRouteMatcher } from "./route-matcher";

/**
 * A local API Gateway (HTTP API, payload format 2.0) in front of Lambda handlers: route
 * selection, the Lambda REQUEST authorizer with caching, the integration timeout and the payload
 * limit, with API Gateway's own error answers.
 *
 * It is a fetch-style function, so it can be mounted anywhere. To add a route that exists only
 * locally (the benchmark's floor route, for instance), pass it alongside the real table:
 *
 *   const gateway = createLocalGateway({
 *     routes: [...ROUTES, { key: "GET /api/bench/select-1", function: "bench", auth: "none" }],
 *     functions: { ...entries, bench: async () => {
 *       await pingDatabase(db); // SELECT 1 through the same driver
 *       return { statusCode: 200, body: "{}" };
 *     } },
 *     authorizer,
 *   });
 *   createServer(toNodeListener((request, info) => gateway.fetch(request, info), { ... }));
 *
 * startLocalStack({ extraRoutes }) mounts such routes on the whole stack, each function in a
 * pool of worker-thread instances of its own (function-pool.ts).
 */
export type LambdaFunction = (event: GatewayEvent, context: Context) => unknown;

export interface GatewayRoute<F extends string = string> {
  /** API Gateway route key, e.g. "GET /api/tasks/{id}" or "ANY /api/auth/{proxy+}". */
  key: string;
  function: F;
  auth: RouteAuth;
}

export interface LocalGatewayOptions<F extends string> {
  routes: readonly GatewayRoute<F>[];
  functions: Record<F, LambdaFunction>;
  /** Required when any route has `auth: "jwt"`. */
  authorizer?: AuthorizerFunction;
  /** Authorizer answer cache per Authorization value; 0 disables it. */
  cacheTtlSeconds?: number;
  /** Integration timeout (API Gateway: 30 s) → 503. */
  timeoutMs?: number;
  /** How long the authorizer may take before the call is a 500 (API Gateway: 10 s). */
  authorizerTimeoutMs?: number;
  /** Request payload limit (API Gateway: 10 MiB) → 413. */
  maxBodyBytes?: number;
  /** Clock for the authorizer cache (tests pass their own). */
  now?: () => number;
}

export interface RequestInfo {
  /** The client's address, as API Gateway reports it in requestContext.http.sourceIp. */
  sourceIp?: string;
}

export interface LocalGateway {
  fetch(request: Request, info?: RequestInfo): Promise<Response>;
  readonly maxBodyBytes: number;
}

const AUTHORIZER_TIMEOUT_MS = 10_000;

const GATEWAY_MESSAGES: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** What CloudFront's /api/* response headers policy adds to every answer (the stack is plain http). */
const API_HEADER_FIELDS = securityHeaderFields(API_SECURITY_HEADERS, { https: false });

/** An error answered by the gateway itself, shaped like API Gateway's. */
export function gatewayError(status: keyof typeof GATEWAY_MESSAGES, requestId?: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (requestId) headers["apigw-requestid"] = requestId;
  const body = JSON.stringify({ message: GATEWAY_MESSAGES[status] });
  return withSecurityHeaders(new Response(body, { status, headers }), API_HEADER_FIELDS);
}

/** API Gateway's request ids are short opaque strings such as "Jx1aBcD3oAMEb_Q=". */
function newRequestId(): string {
  return randomBytes(10).toString("base64url");
}

/** Payload format 2.0: a result without statusCode is a 200 JSON body. */
function toResponse(result: unknown): Response {
  if (typeof result === "string") return gatewayResultToResponse(result);
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const statusCode = (result as { statusCode: unknown }).statusCode;
    if (typeof statusCode !== "number" || statusCode < 100 || statusCode > 599) {
      throw new Error("function returned an invalid statusCode");
    }
    return gatewayResultToResponse(result as GatewayResult);
  }
  return gatewayResultToResponse(JSON.stringify(result ?? null));
}

/** The headers API Gateway adds on its way to the integration. */
function forwardedHeaders(request: Request, sourceIp: string): Headers {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  const chain = headers.get("x-forwarded-for");
  headers.set("x-forwarded-for", chain ? `${chain}, ${sourceIp}` : sourceIp);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  headers.set("x-forwarded-port", url.port || (url.protocol === "https:" ? "443" : "80"));
  headers.set("host", url.host);
  headers.set(
    "x-amzn-trace-id",
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`,
  );
  return headers;
}

async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | "too-large"> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return "too-large";
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.byteLength > limit ? "too-large" : bytes;
}

export function createLocalGateway<F extends string>(
  options: LocalGatewayOptions<F>,
): LocalGateway {
  const match = createRouteMatcher(options.routes);
  const timeoutMs = options.timeoutMs ?? GATEWAY_INTEGRATION_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? GATEWAY_MAX_BODY_BYTES;
  for (const route of options.routes) {
    if (typeof options.functions[route.function] !== "function") {
      throw new Error(`route ${route.key} needs function "${route.function}"`);
    }
  }
  const { authorizer } = options;
  if (!authorizer && options.routes.some((route) => route.auth === "jwt")) {
    throw new Error("routes with auth jwt need an authorizer");
  }
  const authorize = authorizer
    ? createAuthorizerGate({
        authorizer,
        cacheTtlSeconds: options.cacheTtlSeconds ?? AUTHORIZER_CACHE_TTL_SECONDS,
        timeoutMs: options.authorizerTimeoutMs ?? AUTHORIZER_TIMEOUT_MS,
        now: options.now ?? Date.now,
      })
    : undefined;

  async function handle(request: Request, info: RequestInfo = {}): Promise<Response> {
    const requestId = newRequestId();
    const url = new URL(request.url);
    const matched = match(request.method, url.pathname);
    if (!matched) return gatewayError(404, requestId);

    const body = await readBody(request, maxBodyBytes);
    if (body === "too-large") return gatewayError(413, requestId);
    const sourceIp = info.sourceIp ?? "127.0.0.1";
    const carriesBody =
      body.byteLength > 0 && request.method !== "GET" && request.method !== "HEAD";
    const forwarded = new Request(url, {
      method: request.method,
      headers: forwardedHeaders(request, sourceIp),
      body: carriesBody ? body : undefined,
    });
    const { route, pathParameters } = matched;
    const event = await requestToGatewayEvent(forwarded, {
      routeKey: route.key,
      pathParameters,
      requestId,
      sourceIp,
    });

    if (route.auth === "jwt" && authorize) {
      const outcome = await authorize(event);
      if (outcome.kind === "unauthorized") return gatewayError(401, requestId);
      if (outcome.kind === "deny") return gatewayError(403, requestId);
      if (outcome.kind === "error") {
        log.error("authorizer failed", {
          correlation_id: requestId,
          route: route.key,
          reason: outcome.reason,
        });
        return gatewayError(500, requestId);
      }
      event.requestContext.authorizer = { lambda: outcome.context };
    }

    const name = route.function;
    const fn = options.functions[name];
    try {
      const result = await invokeWithTimeout(name, timeoutMs, () =>
        fn(event, createLambdaContext(name, requestId, timeoutMs)),
      );
      const response = toResponse(result);
      response.headers.set("apigw-requestid", requestId);
      return response;
    } catch (error) {
      if (error instanceof InvocationTimeout) {
        log.error("integration timed out", {
          correlation_id: requestId,
          route: route.key,
          timeoutMs,
        });
        return gatewayError(503, requestId);
      }
      log.error("function failed", {
        correlation_id: requestId,
        route: route.key,
        function: name,
        ...describeError(error),
      });
      return gatewayError(500, requestId);
    }
  }

  return {
    // CloudFront's part: every answer, the functions' and the gateway's own, gets the /api/* headers.
    fetch: async (request, info) =>
      withSecurityHeaders(await handle(request, info), API_HEADER_FIELDS),
    maxBodyBytes,
  };
}
