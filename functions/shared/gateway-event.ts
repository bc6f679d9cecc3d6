import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import type { Context } from "hono";

/** What API Gateway HTTP API (payload format 2.0) hands a function and takes back from it. */
export type AuthorizerContext = Record<string, string | number | boolean>;
export type GatewayEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>["requestContext"]["authorizer"];
  };
};
export type GatewayResult = APIGatewayProxyStructuredResultV2;

/** What `hono/aws-lambda` passes as `c.env`; absent when an app is called without an event. */
export interface LambdaBindings {
  event?: GatewayEvent;
  requestContext?: GatewayEvent["requestContext"];
}

export type LambdaEnv = { Bindings: LambdaBindings };

export function bindingsOf(c: Context): LambdaBindings {
  return (c.env as LambdaBindings | undefined) ?? {};
}
