import { isIP } from "node:net";
import type { GatewayEvent } from "../shared/gateway-event";

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
