import { AUTHORIZER_CACHE_TTL_SECONDS } from "./api-gateway-limits";

/**
 * Everything that differs between stages, read once from the environment `sst deploy` runs in
 * (SST also loads `.env.<stage>` before the stacks, so a stage's settings can live there).
 */
export interface StageSettings {
  stage: string;
  /** Production keeps its logs when the stage is removed; other stages are removed completely. */
  isProduction: boolean;
  /** CloudWatch retention of every log group of the stage. */
  logRetention: "one_week" | "three_months";
  /** API Gateway's cache of authorizer answers, per Authorization header value. */
  authorizerCacheTtlSeconds: number;
  /** Stage-wide route throttling of the HTTP API (steady requests per second, burst). */
  throttle: { rate: number; burst: number };
  /** Optional custom domain of the site (and therefore of the API under /api). */
  domain?: SiteDomain;
}

export type SiteDomain =
  /** A Route 53 hosted zone in the account: SST creates the certificate and the DNS records. */
  | { name: string; hostedZone: string }
  /** DNS elsewhere: an ACM certificate in us-east-1 for the name; point a CNAME at CloudFront. */
  | { name: string; certificateArn: string };

export const PRODUCTION_STAGES: readonly string[] = ["prod", "production"];

/** Every environment variable stageSettings reads. */
export const STAGE_SETTING_VARIABLES = [
  "SITE_DOMAIN",
  "SITE_HOSTED_ZONE",
  "SITE_CERTIFICATE_ARN",
  "AUTHORIZER_CACHE_TTL_SECONDS",
  "API_THROTTLE_RATE",
  "API_THROTTLE_BURST",
] as const;

const DEFAULT_THROTTLE = {
  production: { rate: 500, burst: 1000 },
  other: { rate: 100, burst: 200 },
} as const;

/** Longest TTL API Gateway accepts for a Lambda authorizer's cached answer. */
const MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;

type Environment = Record<string, string | undefined>;

export function stageSettings(stage: string, env: Environment): StageSettings {
  const isProduction = PRODUCTION_STAGES.includes(stage);
  const throttleDefaults = isProduction ? DEFAULT_THROTTLE.production : DEFAULT_THROTTLE.other;
  const settings: StageSettings = {
    stage,
    isProduction,
    logRetention: isProduction ? "three_months" : "one_week",
    authorizerCacheTtlSeconds: integerSetting(
      env,
      "AUTHORIZER_CACHE_TTL_SECONDS",
      AUTHORIZER_CACHE_TTL_SECONDS,
      0,
      MAX_AUTHORIZER_CACHE_TTL_SECONDS,
    ),
    throttle: {
      rate: integerSetting(env, "API_THROTTLE_RATE", throttleDefaults.rate, 1, 1_000_000),
      burst: integerSetting(env, "API_THROTTLE_BURST", throttleDefaults.burst, 1, 1_000_000),
    },
  };
  const domain = siteDomain(env);
  if (domain) settings.domain = domain;
  return settings;
}

/**
 * The one public origin of a stage: the custom domain when set, otherwise the CloudFront URL
 * (a deploy-time token). Better Auth's base URL, its only trusted origin and the JWT issuer all
 * equal it; the audience is apiAudience(origin), the API under it.
 */
export function publicOrigin(settings: StageSettings, cloudFrontUrl: string): string {
  return settings.domain ? `https://${settings.domain.name}` : cloudFrontUrl;
}

function siteDomain(env: Environment): SiteDomain | undefined {
  const name = env.SITE_DOMAIN?.trim().toLowerCase();
  if (!name) {
    if (env.SITE_HOSTED_ZONE || env.SITE_CERTIFICATE_ARN) {
      throw new Error("SITE_HOSTED_ZONE and SITE_CERTIFICATE_ARN need SITE_DOMAIN");
    }
    return undefined;
  }
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name)) {
    throw new Error(`SITE_DOMAIN must be a host name such as app.example.com, got "${name}"`);
  }
  const certificateArn = env.SITE_CERTIFICATE_ARN?.trim();
  if (certificateArn) {
    if (!/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
      throw new Error("SITE_CERTIFICATE_ARN must be an ACM certificate ARN in us-east-1");
    }
    return { name, certificateArn };
  }
  const hostedZone = env.SITE_HOSTED_ZONE?.trim().toLowerCase() || name;
  return { name, hostedZone };
}

function integerSetting(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
