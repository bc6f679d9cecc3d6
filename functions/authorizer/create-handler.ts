import { type AuthorizeRequest, createAuthorizeRequest } from "./authorize-request";
import type { AuthorizerConfig } from "./config";
import { createJwksKeySource } from "./jwks-key-source";
import { createAccessTokenVerifier } from "./verify-access-token";

/** The authorizer Lambda for a config; it opens nothing, the key set then lives in memory. */
export function createAuthorizerHandler(config: AuthorizerConfig): AuthorizeRequest {
  return createAuthorizeRequest(
    createAccessTokenVerifier({
      keys: createJwksKeySource({ url: config.jwksUrl }),
      issuer: config.issuer,
      audience: config.audience,
    }),
  );
}
