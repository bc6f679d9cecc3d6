import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
  APIGatewaySimpleAuthorizerWithContextResult,
} from "aws-lambda";
import type { AuthorizerContext } from "../shared/access-token";
import { invocationTracker } from "../shared/invocation-scope";
import { log } from "../shared/log";
import { recordMetrics } from "../shared/metrics";
import type { AccessTokenVerifier, DenyReason } from "./verify-access-token";

export type AuthorizerResult =
  | (APIGatewaySimpleAuthorizerResult & { isAuthorized: false })
  | (APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext> & { isAuthorized: true });

export type AuthorizeRequest = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<AuthorizerResult>;

export type HeaderDenyReason = "missing_token" | "wrong_scheme";

type BearerToken = { ok: true; token: string } | { ok: false; reason: HeaderDenyReason };

/** Reads `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110). */
export function readBearerToken(header: string | undefined): BearerToken {
  const value = header?.trim() ?? "";
  if (value === "") return { ok: false, reason: "missing_token" };
  const space = value.indexOf(" ");
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") return { ok: false, reason: "wrong_scheme" };
  const token = value.slice(scheme.length).trim();
  if (token === "") return { ok: false, reason: "missing_token" };
  return { ok: true, token };
}

/**
 * The authorizer's logic for an API Gateway HTTP API REQUEST authorizer (payload 2.0, simple
 * responses). Every refusal is `{ isAuthorized: false }` plus one JSON log line with its reason;
 * every answer is one EMF line (AuthorizerAllows with VerifyDuration, or AuthorizerDenies by reason).
 */
export function createAuthorizeRequest(verify: AccessTokenVerifier): AuthorizeRequest {
  const invocation = invocationTracker("authorizer");
  return (event) =>
    invocation(event.requestContext.requestId, async () => {
      const bearer = readBearerToken(event.headers?.authorization);
      if (!bearer.ok) return refuse(bearer.reason, event.routeKey);

      const started = performance.now();
      const result = await verify(bearer.token);
      const verifyMs = Math.round((performance.now() - started) * 1000) / 1000;

      if (!result.ok) return refuse(result.reason, event.routeKey, result.detail);
      recordMetrics({ AuthorizerAllows: 1, VerifyDuration: verifyMs });
      log.debug("authorizer allowed", { route: event.routeKey, userId: result.userId, verifyMs });
      return {
        isAuthorized: true,
        context: { userId: result.userId, sessionId: result.sessionId, verifyMs },
      };
    });
}

function refuse(
  reason: DenyReason | HeaderDenyReason,
  routeKey: string,
  detail?: string,
): AuthorizerResult {
  log.warn("authorizer denied", {
    reason,
    route: routeKey,
    ...(detail === undefined ? {} : { detail }),
  });
  recordMetrics({ AuthorizerDenies: 1 }, { reason });
  return { isAuthorized: false };
}
