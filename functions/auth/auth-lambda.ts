import type { Context } from "aws-lambda";
import { Hono, type MiddlewareHandler } from "hono";
import { handle, type LambdaEvent } from "hono/aws-lambda";
import { bodyLimit } from "hono/body-limit";
import { trustedClientAddress } from "../shared/client-address";
import type { GatewayEvent, GatewayResult } from "../shared/gateway-event";
import { describeError } from "../shared/log";
import { gatewayRequestId, type ObservedEnv, observeRequests } from "../shared/request-log";
import { nosniff } from "../shared/response-headers";
import { requireWellFormedText } from "../shared/well-formed-body";
import { AUTH_BASE_PATH } from "./create-auth";
import { servedPathMatcher } from "./served-paths";

/** What the Lambda needs from a Better Auth instance. */
export interface AuthRequestHandler {
  handler(request: Request): Promise<Response>;
  /** Its endpoints: a path none of them serves is answered here, before its rate limit writes a row. */
  api?: Readonly<Record<string, unknown>>;
}

const INTERNAL_ERROR_BODY = JSON.stringify({
  error: { code: "internal", message: "Internal server error" },
});

function internalError(status: number): Response {
  return new Response(INTERNAL_ERROR_BODY, {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Answers carry tokens and sessions; the JWKS too is unstored, so no cache hides a rotated key. */
const noStore: MiddlewareHandler<ObservedEnv> = async (c, next) => {
  await next();
  c.res.headers.set("cache-control", "no-store");
};
export interface AuthLambdaOptions {
  /** The stage's origin secrets (current and next): without any, every caller is keyed by sourceIp. */
  originSecrets?: readonly (string | undefined)[];
}
/** Better Auth would store invalid bytes as U+FFFD; refuse them in its `{ code, message }` form. */
export const MALFORMED_TEXT_CODE = "MALFORMED_TEXT";
const wellFormedBody = requireWellFormedText<ObservedEnv>((c) =>
  c.json(
    {
      code: MALFORMED_TEXT_CODE,
      message:
        "The request body must be well-formed UTF-8 text, without unpaired surrogate escapes",
    },
    400,
  ),
);

/**
 * Largest body the auth function reads: every Better Auth request is a small JSON form, so this
 * keeps a multi-megabyte name or URL from ever being parsed, stored or logged.
 */
export const MAX_AUTH_BODY_BYTES = 64 * 1024;
export const PAYLOAD_TOO_LARGE_CODE = "PAYLOAD_TOO_LARGE";
const limitBodySize = bodyLimit({
  maxSize: MAX_AUTH_BODY_BYTES,
  onError: (c) =>
    c.json(
      {
        code: PAYLOAD_TOO_LARGE_CODE,
        message: `The request body must be at most ${MAX_AUTH_BODY_BYTES} bytes`,
      },
      413,
    ),
});

/** Better Auth mounted in Hono, as its own Hono recipe does; every endpoint it has is GET or POST. */
function createAuthApp(auth: AuthRequestHandler, options: AuthLambdaOptions): Hono<ObservedEnv> {
  const app = new Hono<ObservedEnv>();
  app.use(
    "*",
    nosniff,
    noStore,
    gatewayRequestId,
    observeRequests("auth"),
    trustedClientAddress(options.originSecrets),
  );
  app.use(`${AUTH_BASE_PATH}/*`, limitBodySize, wellFormedBody);
  const served = auth.api ? servedPathMatcher(auth.api) : () => true;
  app.on(["GET", "POST"], `${AUTH_BASE_PATH}/*`, async (c) => {
    // Better Auth counts every request, an unknown path too, in a rate_limit row before routing.
    if (!served(c.req.path.slice(AUTH_BASE_PATH.length))) return c.notFound();
    const response = await auth.handler(c.req.raw);
    // Better Auth's own 5xx bodies may carry internal messages: answer with the generic one.
    return response.status >= 500 ? internalError(response.status) : response;
  });
  // What Better Auth itself answers for any other method or path.
  app.notFound((c) => c.body(null, 404));
  app.onError((error, c) => {
    c.set("failure", describeError(error));
    return internalError(500);
  });
  return app;
}

/**
 * API Gateway HTTP API (payload 2.0) → Better Auth → API Gateway result, through
 * `hono/aws-lambda` like the tasks API. Tests call this with their own auth instance;
 * functions/auth/handler.ts wires it to the deployed settings.
 */
export function createAuthLambda(auth: AuthRequestHandler, options: AuthLambdaOptions = {}) {
  const handler = handle(createAuthApp(auth, options));
  return async function handleAuthEvent(
    event: GatewayEvent,
    context?: Context,
  ): Promise<GatewayResult> {
    // Hono types its own copy of the payload 2.0 shapes (a null body where AWS's has none).
    return (await handler(event as unknown as LambdaEvent, context)) as GatewayResult;
  };
}
