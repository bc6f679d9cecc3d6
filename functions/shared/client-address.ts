import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import { bindingsOf, type GatewayEvent, type LambdaEnv } from "./gateway-event";

/**
 * The request header that carries the client address the function derived from the event,
 * overwriting anything the client sent. Better Auth reads only this header, so rate-limit
 * buckets cannot be picked by a client.
 */
export const CLIENT_IP_HEADER = "x-auth-client-ip";

/**
 * The viewer's address as CloudFront saw it (`event.viewer.ip`), set by the viewer-request
 * function of /api/* after deleting any client-sent copy; locally the local stack sets it.
 */
export const VIEWER_ADDRESS_HEADER = "x-viewer-address";

/**
 * The per-stage secret CloudFront adds to every origin request (an origin custom header): only
 * with it is VIEWER_ADDRESS_HEADER more than a claim anyone calling the API directly could make.
 */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

/** Checks a presented origin secret against the stage's in constant time. */
export type OriginCheck = (presented: string | undefined) => boolean;

/**
 * Compares SHA-256 digests, so `timingSafeEqual` always sees equal lengths and the time taken
 * tells nothing about a secret, its length included. Any of the stage's secrets passes (the
 * current one and the next rotation's); without one nothing does.
 */
export function originCheck(secrets: readonly (string | undefined)[]): OriginCheck {
  const expected = secrets.filter((secret): secret is string => Boolean(secret)).map(digest);
  return (presented) => {
    if (presented === undefined) return false;
    const given = digest(presented);
    let matched = false;
    for (const candidate of expected) matched = timingSafeEqual(given, candidate) || matched;
    return matched;
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * The client's IP address as the infrastructure saw it, never as the client claims it. Through
 * the distribution (the origin secret matches) that is CloudFront's viewer address; otherwise —
 * a direct call to the execute-api URL, the authorizer's JWKS fetch — it is API Gateway's
 * `sourceIp`, the TCP peer, which the caller cannot choose either. `cloudfront-viewer-address`,
 * `x-forwarded-for` and the like are ignored: without the secret they are whatever the client wrote.
 */
export function clientAddressFromEvent(event: GatewayEvent, isFromEdge: OriginCheck): string {
  if (isFromEdge(headerValue(event, ORIGIN_VERIFY_HEADER))) {
    const viewer = headerValue(event, VIEWER_ADDRESS_HEADER);
    if (viewer && isIP(viewer)) return viewer;
  }
  return event.requestContext.http.sourceIp;
}

function headerValue(event: GatewayEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && value) return value.trim();
  }
  return undefined;
}

/**
 * Sets CLIENT_IP_HEADER to the address derived from the event, replacing any client-sent copy,
 * and drops the edge headers so the origin secret goes no further than this check. Without an
 * event there is no trustworthy address, so the header is only removed. `originSecrets` are the
 * stage's (ORIGIN_VERIFY_SECRET and the next rotation's); without any only `sourceIp` counts.
 */
export function trustedClientAddress(
  originSecrets: readonly (string | undefined)[] = [],
): MiddlewareHandler<LambdaEnv> {
  const isFromEdge = originCheck(originSecrets);
  return async (c, next) => {
    const { event } = bindingsOf(c);
    const headers = c.req.raw.headers;
    if (event) headers.set(CLIENT_IP_HEADER, clientAddressFromEvent(event, isFromEdge));
    else headers.delete(CLIENT_IP_HEADER);
    headers.delete(ORIGIN_VERIFY_HEADER);
    headers.delete(VIEWER_ADDRESS_HEADER);
    await next();
  };
}
