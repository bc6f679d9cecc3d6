import { type ConfigOf, defineConfig, environmentOf, url } from "../shared/config";
import { apiAudience, audience, issuer } from "../shared/settings";

/** The authorizer Lambda's settings: where the public keys are, and what the tokens must say. */
export const authorizerConfig = defineConfig("authorizer", {
  /** The auth function's JWKS endpoint. */
  jwksUrl: url("JWKS_URL"),
  issuer,
  audience,
});

export type AuthorizerConfig = ConfigOf<typeof authorizerConfig.settings>;

export interface AuthorizerEnvironmentInputs {
  /** The public origin of site and API: the tokens' issuer. */
  origin: string;
  /** Deployed, the HTTP API's own URL (no CloudFront hop); locally, the stack's own origin. */
  jwksUrl: string;
}

export function authorizerEnvironment({
  origin,
  jwksUrl,
}: AuthorizerEnvironmentInputs): Record<string, string> {
  return environmentOf(authorizerConfig, {
    jwksUrl,
    issuer: origin,
    audience: apiAudience(origin),
  });
}
