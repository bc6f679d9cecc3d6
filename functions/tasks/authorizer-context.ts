import { z } from "zod";
import { AuthorizerContextSchema } from "../shared/access-token";
import type { GatewayEvent } from "../shared/gateway-event";

const roundToMicroseconds = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * The authorizer's context as the API accepts it. API Gateway keeps the authorizer's JSON types,
 * but a string `verifyMs` is tolerated, and a missing or bad one only costs the Server-Timing.
 */
const ReceivedContextSchema = AuthorizerContextSchema.extend({
  verifyMs: z.coerce
    .number()
    .pipe(AuthorizerContextSchema.shape.verifyMs)
    .transform(roundToMicroseconds)
    .optional()
    .catch(undefined),
});

/** The caller, or undefined when API Gateway passed no (or no usable) authorizer context. */
export function readAuthorizerContext(
  requestContext: GatewayEvent["requestContext"] | undefined,
): z.infer<typeof ReceivedContextSchema> | undefined {
  const parsed = ReceivedContextSchema.safeParse(requestContext?.authorizer?.lambda);
  return parsed.success ? parsed.data : undefined;
}
