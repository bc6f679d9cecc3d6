import {
  type GatewayEvent,
  type GatewayResult,
  gatewayEventToRequest,
  responseToGatewayResult,
} from "../shared/gateway-event";
import { describeError, log } from "../shared/log";
import { clientAddressFromEvent } from "./client-address";
import { CLIENT_IP_HEADER } from "./create-auth";

/** What the Lambda needs from a Better Auth instance. */
export interface AuthRequestHandler {
  handler(request: Request): Promise<Response>;
}

const INTERNAL_ERROR_BODY = JSON.stringify({
  error: { code: "internal", message: "Internal server error" },
});

/**
 * API Gateway HTTP API (payload 2.0) → Better Auth → API Gateway result. Tests call this with
 * their own auth instance; functions/auth/handler.ts wires it to the deployed settings.
 */
export function createAuthLambda(auth: AuthRequestHandler) {
  return async function handleAuthEvent(event: GatewayEvent): Promise<GatewayResult> {
    const started = performance.now();
    const requestId = event.requestContext.requestId;
    let status = 500;
    try {
      const response = await auth.handler(gatewayEventToRequest(withTrustedClientAddress(event)));
      status = response.status;
      // Better Auth's own 5xx bodies may carry internal messages: answer with the generic one.
      if (status >= 500) return internalError(status);
      return await responseToGatewayResult(response);
    } catch (error) {
      log.error("auth request failed", { requestId, ...describeError(error) });
      status = 500;
      return internalError(status);
    } finally {
      log.info("auth request", {
        method: event.requestContext.http.method,
        path: event.rawPath,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        requestId,
      });
    }
  };
}

/** Replaces any client-sent copy of the client-address header with the address we derived. */
function withTrustedClientAddress(event: GatewayEvent): GatewayEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && name.toLowerCase() !== CLIENT_IP_HEADER) headers[name] = value;
  }
  headers[CLIENT_IP_HEADER] = clientAddressFromEvent(event);
  return { ...event, headers };
}

function internalError(statusCode: number): GatewayResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: INTERNAL_ERROR_BODY,
    isBase64Encoded: false,
  };
}
