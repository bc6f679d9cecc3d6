import { isMailAddress, parseMailbox } from "../functions/mail/mail-address";
import { LOG_LEVELS, type LogLevel } from "../functions/shared/log";
import { DEFAULT_LOG_LEVEL } from "../functions/shared/telemetry";
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
  /** Bumping it replaces the generated origin secret: the rotation procedure in docs/deploy.md. */
  originSecretGeneration: number;
  /** AWS WAF on the distribution, so one client cannot use up the stage-wide API throttle. */
  waf: WafSetting;
  /** Where account mail comes from: the stage's SES identity. */
  mail: MailSetting;
  /** Sign-in needs a verified e-mail address (EMAIL_VERIFICATION=off turns it off). */
  emailVerification: boolean;
  /** Subscribed to the stage's alarm topic by e-mail (AWS sends a confirmation mail first). */
  alarmEmail?: string;
  /** The least severe level every function writes (security events are written regardless). */
  logLevel: LogLevel;
}

export interface MailSetting {
  /** The SES identity: a domain (DKIM records to publish) or one address (SES mails it a link). */
  identity: string;
  kind: "domain" | "address";
  /** The From of account mail, `addr` or `Name <addr>`, its address inside the identity. */
  from: string;
}

export type WafSetting =
  | { mode: "off" }
  /** A web ACL of the stack's own: one rate-based rule per client address on /api/*. */
  | { mode: "rate-limit"; limit: number }
  /** A CloudFront web ACL made elsewhere (in us-east-1), for stages deployed in other regions. */
  | { mode: "existing"; webAclArn: string };

/** Requests per client address per 5 minutes on /api/* (about 7 per second). */
export const DEFAULT_WAF_RATE_LIMIT = 2000;
/** AWS WAF's bounds for a rate-based rule's limit. */
const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;
/** CloudFront-scoped (global) web ACLs exist only in us-east-1. */
export const WAF_CLOUDFRONT_REGION = "us-east-1";

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
  "ORIGIN_SECRET_GENERATION",
  "WAF",
  "WAF_RATE_LIMIT",
  "WAF_WEB_ACL_ARN",
  "MAIL_IDENTITY",
  "MAIL_FROM",
  "EMAIL_VERIFICATION",
  "ALARM_EMAIL",
  "LOG_LEVEL",
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
    originSecretGeneration: integerSetting(env, "ORIGIN_SECRET_GENERATION", 1, 1, 1_000_000),
    waf: wafSetting(env, isProduction),
    mail: mailSetting(env),
    emailVerification: switchSetting(env, "EMAIL_VERIFICATION", true),
    logLevel: logLevelSetting(env),
  };
  const domain = siteDomain(env);
  if (domain) settings.domain = domain;
  const alarmEmail = env.ALARM_EMAIL?.trim();
  if (alarmEmail) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail) || alarmEmail.length > 254) {
      throw new Error(`ALARM_EMAIL must be one e-mail address, got "${alarmEmail}"`);
    }
    settings.alarmEmail = alarmEmail;
  }
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

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function mailSetting(env: Environment): MailSetting {
  const identity = env.MAIL_IDENTITY?.trim().toLowerCase();
  if (!identity) {
    throw new Error(
      "MAIL_IDENTITY is required: the SES identity account mail is sent from, a domain (example.com) or one address (no-reply@example.com); see docs/deploy.md",
    );
  }
  const kind = identity.includes("@") ? "address" : "domain";
  if (kind === "address" ? !isMailAddress(identity) : !HOST_NAME.test(identity)) {
    throw new Error(
      `MAIL_IDENTITY must be a domain such as example.com or one address, got "${identity}"`,
    );
  }
  const from = env.MAIL_FROM?.trim() || (kind === "address" ? identity : `no-reply@${identity}`);
  const address = parseMailbox(from, "MAIL_FROM").address.toLowerCase();
  const domain = address.slice(address.lastIndexOf("@") + 1);
  const inside =
    kind === "address"
      ? address === identity
      : domain === identity || domain.endsWith(`.${identity}`);
  if (!inside) {
    throw new Error(
      `MAIL_FROM's address must be inside MAIL_IDENTITY (${identity}), got ${address}`,
    );
  }
  return { identity, kind, from };
}

function logLevelSetting(env: Environment): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toUpperCase();
  if (!raw) return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((known) => known === raw);
  if (!level) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  return level;
}

function switchSetting(env: Environment, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw !== "on" && raw !== "off") throw new Error(`${name} must be "on" or "off", got "${raw}"`);
  return raw === "on";
}

function siteDomain(env: Environment): SiteDomain | undefined {
  const name = env.SITE_DOMAIN?.trim().toLowerCase();
  if (!name) {
    if (env.SITE_HOSTED_ZONE || env.SITE_CERTIFICATE_ARN) {
      throw new Error("SITE_HOSTED_ZONE and SITE_CERTIFICATE_ARN need SITE_DOMAIN");
    }
    return undefined;
  }
  if (!HOST_NAME.test(name)) {
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

function wafSetting(env: Environment, isProduction: boolean): WafSetting {
  const switched = env.WAF?.trim().toLowerCase();
  if (switched && switched !== "on" && switched !== "off") {
    throw new Error(`WAF must be "on" or "off", got "${env.WAF}"`);
  }
  const on = switched ? switched === "on" : isProduction;
  const webAclArn = env.WAF_WEB_ACL_ARN?.trim();
  if (!on) {
    if (webAclArn || env.WAF_RATE_LIMIT?.trim()) {
      throw new Error(
        "WAF_WEB_ACL_ARN and WAF_RATE_LIMIT need WAF on (WAF=on, or a production stage)",
      );
    }
    return { mode: "off" };
  }
  if (webAclArn) {
    if (!/^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(webAclArn)) {
      throw new Error(
        "WAF_WEB_ACL_ARN must be a CloudFront (global) web ACL ARN: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>",
      );
    }
    if (env.WAF_RATE_LIMIT?.trim()) {
      throw new Error("WAF_RATE_LIMIT applies to the stack's own web ACL, not to WAF_WEB_ACL_ARN");
    }
    return { mode: "existing", webAclArn };
  }
  const { min, max } = WAF_RATE_LIMIT_RANGE;
  return {
    mode: "rate-limit",
    limit: integerSetting(env, "WAF_RATE_LIMIT", DEFAULT_WAF_RATE_LIMIT, min, max),
  };
}

/**
 * Refuses, at synthesis, a stage whose own web ACL could not be created: CloudFront-scoped web
 * ACLs live in us-east-1 only, and a stack cannot create resources in another region.
 */
export function assertWafRegion(waf: WafSetting, region: string): void {
  if (waf.mode !== "rate-limit" || region === WAF_CLOUDFRONT_REGION) return;
  throw new Error(
    `WAF is on, but a CloudFront web ACL can only be created in ${WAF_CLOUDFRONT_REGION} and this stage deploys to ${region}: ` +
      `deploy the stage to ${WAF_CLOUDFRONT_REGION}, create the web ACL there and set WAF_WEB_ACL_ARN to its ARN, or set WAF=off`,
  );
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
