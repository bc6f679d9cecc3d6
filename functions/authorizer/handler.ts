import { requireEnv } from "../shared/secrets";
import { createAuthorizeRequest } from "./authorize-request";
import { createJwksKeySource } from "./jwks-key-source";
import { createAccessTokenVerifier } from "./verify-access-token";

/**
 * Lambda entry: API Gateway HTTP API REQUEST authorizer (payload 2.0, simple responses).
 * Settings are read once per cold start; the key set then lives in memory across invocations.
 */
const verify = createAccessTokenVerifier({
  keys: createJwksKeySource({ url: requireEnv("JWKS_URL") }),
  issuer: requireEnv("JWT_ISSUER"),
  audience: requireEnv("JWT_AUDIENCE"),
});

export const handler = createAuthorizeRequest(verify);
