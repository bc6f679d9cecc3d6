import { randomUUID } from "node:crypto";
import type {
  AuthorizerContext,
  GatewayEvent,
  GatewayResult,
} from "../../functions/shared/gateway-event";

/**
 * The API Gateway side of payload format 2.0: a Fetch `Request` becomes the event a Lambda
 * receives, and its result becomes the HTTP response (the Lambdas themselves use
 * `hono/aws-lambda`). The local gateway and the tests use these.
 */
const TEXT_CONTENT_TYPE =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|[\w.+-]*\+(json|xml)))/i;

function isTextual(contentType: string | null): boolean {
  return contentType === null || contentType === "" || TEXT_CONTENT_TYPE.test(contentType);
}

export interface EventOptions {
  /** The matched route key, e.g. "GET /api/tasks/{id}". */
  routeKey: string;
  /** Omitted from the event when empty, as API Gateway omits it for routes without parameters. */
  pathParameters?: Record<string, string>;
  /** The Lambda authorizer's context, when the route has one and it allowed the call. */
  authorizer?: AuthorizerContext;
  requestId?: string;
  sourceIp?: string;
}

/** As API Gateway does: a repeated parameter becomes one comma-separated value. */
function queryParameters(search: URLSearchParams): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of search) {
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return parameters;
}

export async function requestToGatewayEvent(
  request: Request,
  options: EventOptions,
): Promise<GatewayEvent> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  request.headers.forEach((value, name) => {
    if (name === "cookie") cookies.push(...value.split(/;\s*/).filter(Boolean));
    else headers[name] = value;
  });
  const bytes = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const textual = isTextual(request.headers.get("content-type"));
  const now = new Date();
  const requestId = options.requestId ?? randomUUID();
  return {
    version: "2.0",
    routeKey: options.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: queryParameters(url.searchParams) } : {}),
    ...(options.pathParameters && Object.keys(options.pathParameters).length
      ? { pathParameters: options.pathParameters }
      : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: url.host,
      domainPrefix: url.hostname.split(".")[0] ?? url.hostname,
      http: {
        method: request.method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: options.sourceIp ?? "127.0.0.1",
        userAgent: request.headers.get("user-agent") ?? "",
      },
      requestId,
      routeKey: options.routeKey,
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      ...(options.authorizer ? { authorizer: { lambda: options.authorizer } } : {}),
    },
    ...(bytes && bytes.length > 0
      ? {
          body: textual ? bytes.toString("utf8") : bytes.toString("base64"),
          isBase64Encoded: !textual,
        }
      : { isBase64Encoded: false }),
  };
}

/** Maps a Lambda result back to HTTP as API Gateway does: each cookie its own Set-Cookie. */
export function gatewayResultToResponse(result: GatewayResult | string): Response {
  if (typeof result === "string") {
    return new Response(result, { status: 200, headers: { "content-type": "application/json" } });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers.set(name, String(value));
  for (const cookie of result.cookies ?? []) headers.append("set-cookie", cookie);
  const status = result.statusCode ?? 200;
  const bodyless = status === 204 || status === 304 || status < 200;
  const body =
    bodyless || result.body === undefined
      ? null
      : result.isBase64Encoded
        ? Buffer.from(result.body, "base64")
        : result.body;
  return new Response(body, { status, headers });
}
