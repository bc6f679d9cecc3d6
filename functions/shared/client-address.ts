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
 * The client's IP address as the infrastructure saw it, never as the client claims it.
 * CloudFront sets `cloudfront-viewer-address` ("ip:port", IPv6 unbracketed) and replaces any
 * value the viewer sent; without CloudFront (local gateway, direct calls) API Gateway's own
 * `sourceIp` is the peer address. `x-forwarded-for` is ignored: its leftmost entry is whatever
 * the client wrote.
 */
export function clientAddressFromEvent(event: GatewayEvent): string {
  const viewer = headerValue(event, "cloudfront-viewer-address");
  if (viewer) {
    const separator = viewer.lastIndexOf(":");
    const address = separator > 0 ? viewer.slice(0, separator) : viewer;
    if (isIP(address)) return address;
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
 * Sets CLIENT_IP_HEADER to the address derived from the event, replacing any client-sent copy;
 * without an event there is no trustworthy address, so the header is only removed.
 */
export const trustedClientAddress: MiddlewareHandler<LambdaEnv> = async (c, next) => {
  const { event } = bindingsOf(c);
  if (event) c.req.raw.headers.set(CLIENT_IP_HEADER, clientAddressFromEvent(event));
  else c.req.raw.headers.delete(CLIENT_IP_HEADER);
  await next();
};
