import {
  type ConfigOf,
  defineConfig,
  environmentOf,
  onOff,
  optionalStackSecret,
  optionalText,
  secret,
  stackSecret,
  text,
  url,
} from "../shared/config";
import { apiAudience, audience, databaseUrl, issuer } from "../shared/settings";

/** The auth Lambda's settings, each with the environment variable that carries it. */
export const authConfig = defineConfig("auth", {
  /** The public origin of site and API: Better Auth's base URL and its only trusted origin. */
  baseURL: url("BETTER_AUTH_URL"),
  issuer,
  audience,
  /** Off only for load tests against a local stack. */
  rateLimit: onOff("AUTH_RATE_LIMIT"),
  /** Sign-in needs a verified e-mail address unless this is "off". */
  emailVerification: onOff("EMAIL_VERIFICATION"),
  /** The sender of account mail, `addr` or `Name <addr>`, inside the stage's SES identity. */
  mailFrom: text("MAIL_FROM"),
  /** The SES region to send through (the stack's); unset, the caller must give a mail sender. */
  mailSesRegion: optionalText("MAIL_SES_REGION"),
  databaseUrl,
  /** Signs cookies and encrypts the stored private signing keys. */
  secret: secret("BETTER_AUTH_SECRET"),
  /** What CloudFront sends in x-origin-verify: only then is its viewer address believed. */
  originSecret: stackSecret("ORIGIN_VERIFY_SECRET"),
  /** The secret of the next rotation, accepted already so CloudFront can switch edge by edge. */
  nextOriginSecret: optionalStackSecret("ORIGIN_VERIFY_NEXT_SECRET"),
});

export type AuthConfig = ConfigOf<typeof authConfig.settings>;

export interface AuthEnvironmentInputs {
  /** The public origin of site and API, e.g. https://dxxxx.cloudfront.net. */
  origin: string;
  /** Default on. */
  rateLimit?: boolean;
  /** Default on. */
  emailVerification?: boolean;
  mailFrom: string;
  /** Deployed: the stack's region. Locally unset: the local stack gives the outbox instead. */
  mailSesRegion?: string;
  /** Locally and in tests only: deployed, the secrets are SST secrets bound to the function. */
  secret?: string;
  databaseUrl?: string;
  /** The stage's origin secret: a dynamic reference deployed, the local stack's own locally. */
  originSecret: string;
  nextOriginSecret?: string;
}

/** The auth Lambda's environment: base URL and issuer are the origin, the audience the API under it. */
export function authEnvironment({
  origin,
  ...rest
}: AuthEnvironmentInputs): Record<string, string> {
  return environmentOf(authConfig, {
    baseURL: origin,
    issuer: origin,
    audience: apiAudience(origin),
    ...rest,
  });
}
