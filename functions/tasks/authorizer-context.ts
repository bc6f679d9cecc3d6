import type { GatewayEvent } from "../shared/gateway-event";

/** What the JWT authorizer hands the tasks API: `{ userId, verifyMs }` (DESIGN.md, contract 3). */
export interface CallerIdentity {
  userId: string;
  /** How long the authorizer spent verifying the token, in milliseconds. */
  verifyMs?: number;
}

const MAX_USER_ID_LENGTH = 255;

/** The caller, or undefined when API Gateway passed no (or no usable) authorizer context. */
export function readAuthorizerContext(
  requestContext: GatewayEvent["requestContext"] | undefined,
): CallerIdentity | undefined {
  const context = requestContext?.authorizer?.lambda;
  const userId = context?.userId;
  if (typeof userId !== "string" || userId === "" || userId.length > MAX_USER_ID_LENGTH) {
    return undefined;
  }
  // API Gateway keeps the authorizer's JSON types, but a string is tolerated.
  const verifyMs = Number(context?.verifyMs);
  const valid = context?.verifyMs !== undefined && Number.isFinite(verifyMs) && verifyMs >= 0;
  return valid ? { userId, verifyMs: Math.round(verifyMs * 1000) / 1000 } : { userId };
}
