import type { APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import type { AuthorizerContext, GatewayEvent } from "../../functions/shared/gateway-event";
import { createLambdaContext, invokeWithTimeout } from "./lambda-context";

/**
 * API Gateway HTTP API's Lambda REQUEST authorizer with simple responses, identity source
 * `$request.header.Authorization`: a missing or empty header is refused without a call, answers
 * are cached per header value for the configured TTL, and a failing authorizer is a 500.
 */
export type AuthorizerEvent = APIGatewayRequestAuthorizerEventV2;
export type AuthorizerFunction = (event: AuthorizerEvent, context: Context) => unknown;

export type AuthorizerOutcome =
  | { kind: "allow"; context: AuthorizerContext }
  | { kind: "deny" }
  | { kind: "unauthorized" }
  | { kind: "error"; reason: string };

export interface AuthorizerGateOptions {
  authorizer: AuthorizerFunction;
  cacheTtlSeconds: number;
  timeoutMs: number;
  now: () => number;
}

interface CachedAnswer {
  expiresAt: number;
  outcome: AuthorizerOutcome & { kind: "allow" | "deny" };
}

/** Bounds the cache so a client sending endless distinct tokens cannot grow memory forever. */
const MAX_CACHED_ANSWERS = 10_000;

function isContextValue(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** Validates a simple response: `{ isAuthorized: boolean, context?: { [k]: string|number|boolean } }`. */
function parseSimpleResponse(answer: unknown): AuthorizerOutcome {
  if (typeof answer !== "object" || answer === null) {
    return { kind: "error", reason: "authorizer returned no object" };
  }
  const { isAuthorized, context } = answer as { isAuthorized?: unknown; context?: unknown };
  if (typeof isAuthorized !== "boolean") {
    return { kind: "error", reason: "authorizer answer lacks a boolean isAuthorized" };
  }
  if (!isAuthorized) return { kind: "deny" };
  if (context === undefined || context === null) return { kind: "allow", context: {} };
  if (typeof context !== "object" || Array.isArray(context)) {
    return { kind: "error", reason: "authorizer context is not an object" };
  }
  const entries = Object.entries(context);
  if (!entries.every(([, value]) => isContextValue(value))) {
    return {
      kind: "error",
      reason: "authorizer context values must be strings, numbers or booleans",
    };
  }
  return { kind: "allow", context: Object.fromEntries(entries) as AuthorizerContext };
}

/** The authorizer event API Gateway derives from a route request and its identity source value. */
export function toAuthorizerEvent(event: GatewayEvent, identity: string): AuthorizerEvent {
  const { method, path } = event.requestContext.http;
  const { body: _body, isBase64Encoded: _encoded, ...request } = event;
  return {
    ...request,
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:local:${event.requestContext.accountId}:${event.requestContext.apiId}/${event.requestContext.stage}/${method}${path}`,
    identitySource: [identity],
    pathParameters: event.pathParameters ?? {},
    stageVariables: {},
    queryStringParameters: event.queryStringParameters ?? {},
    cookies: event.cookies ?? [],
  } as AuthorizerEvent;
}

export function createAuthorizerGate(options: AuthorizerGateOptions) {
  const cache = new Map<string, CachedAnswer>();

  function remember(identity: string, outcome: CachedAnswer["outcome"]): void {
    if (options.cacheTtlSeconds <= 0) return;
    if (cache.size >= MAX_CACHED_ANSWERS) {
      const now = options.now();
      for (const [key, answer] of cache) if (answer.expiresAt <= now) cache.delete(key);
      if (cache.size >= MAX_CACHED_ANSWERS) cache.clear();
    }
    cache.set(identity, { outcome, expiresAt: options.now() + options.cacheTtlSeconds * 1000 });
  }

  return async function authorize(event: GatewayEvent): Promise<AuthorizerOutcome> {
    const identity = event.headers.authorization;
    if (!identity) return { kind: "unauthorized" };
    const cached = cache.get(identity);
    if (cached && cached.expiresAt > options.now()) return cached.outcome;
    if (cached) cache.delete(identity);

    let outcome: AuthorizerOutcome;
    try {
      const answer = await invokeWithTimeout("authorizer", options.timeoutMs, () =>
        options.authorizer(
          toAuthorizerEvent(event, identity),
          createLambdaContext("authorizer", event.requestContext.requestId, options.timeoutMs),
        ),
      );
      outcome = parseSimpleResponse(answer);
    } catch (error) {
      outcome = {
        kind: "error",
        // The class only: an error message could quote the token.
        reason: `authorizer threw ${error instanceof Error ? error.name : typeof error}`,
      };
    }
    if (outcome.kind === "allow" || outcome.kind === "deny") remember(identity, outcome);
    return outcome;
  };
}
