/**
 * The response security headers, defined once: the local stack sets them on what it serves
 * (infra/local/static-site.ts for the site, infra/local/gateway.ts for /api) and the CloudFront
 * response headers policies are built from them (infra/response-headers-policies.ts), so local
 * and deployed answers cannot drift. docs/security.md explains each choice.
 */

/**
 * The site's policy. Astro emits only external module scripts and (with
 * `build.inlineStylesheets: "never"`) only external stylesheets, so nothing inline is allowed;
 * the pages call only their own origin (/api), load no fonts, frames, plugins or third parties.
 */
export const SITE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** What the template uses; the CDK has an enum member for each. */
export type FrameOption = "DENY";
export type ReferrerPolicy = "strict-origin-when-cross-origin";

export interface StrictTransportSecurity {
  maxAgeSeconds: number;
  includeSubdomains: boolean;
  preload: boolean;
}

/** One behaviour's headers, in the shape of CloudFront's SecurityHeadersConfig. */
export interface SecurityHeaderSet {
  /** Absent for the API: its bodies are JSON served with nosniff, never a document that runs. */
  contentSecurityPolicy?: string;
  contentTypeOptions: "nosniff";
  frameOptions: FrameOption;
  referrerPolicy: ReferrerPolicy;
  strictTransportSecurity: StrictTransportSecurity;
}

/**
 * Two years, the host name only, no preload list: a template cannot know what else lives under a
 * fork's parent domain, and preloading is a commitment its owner makes, not the template.
 */
const HSTS: StrictTransportSecurity = {
  maxAgeSeconds: 2 * 365 * 24 * 60 * 60,
  includeSubdomains: false,
  preload: false,
};

/**
 * Not no-referrer: under it a plain form POST carries `Origin: null`, which Better Auth resolves to
 * the execute-api host deployed (not the site), so such a form would work locally and get 403.
 */
const REFERRER_POLICY: ReferrerPolicy = "strict-origin-when-cross-origin";

/** The default (site) behaviour. */
export const SITE_SECURITY_HEADERS: SecurityHeaderSet = {
  contentSecurityPolicy: SITE_CONTENT_SECURITY_POLICY,
  contentTypeOptions: "nosniff",
  frameOptions: "DENY",
  referrerPolicy: REFERRER_POLICY,
  strictTransportSecurity: HSTS,
};

/** The /api/* behaviour: the same minus the CSP, which governs documents, not JSON. */
export const API_SECURITY_HEADERS: SecurityHeaderSet = {
  contentTypeOptions: "nosniff",
  frameOptions: "DENY",
  referrerPolicy: REFERRER_POLICY,
  strictTransportSecurity: HSTS,
};

export function strictTransportSecurityValue(hsts: StrictTransportSecurity): string {
  return [
    `max-age=${hsts.maxAgeSeconds}`,
    ...(hsts.includeSubdomains ? ["includeSubDomains"] : []),
    ...(hsts.preload ? ["preload"] : []),
  ].join("; ");
}

/**
 * The set as header fields, lower-cased. HSTS only over https: browsers ignore it on plain http
 * (RFC 6797 §8.1), so the local stack leaves it out rather than pretend.
 */
export function securityHeaderFields(
  set: SecurityHeaderSet,
  { https }: { https: boolean },
): Record<string, string> {
  return {
    ...(set.contentSecurityPolicy ? { "content-security-policy": set.contentSecurityPolicy } : {}),
    "x-content-type-options": set.contentTypeOptions,
    "x-frame-options": set.frameOptions,
    "referrer-policy": set.referrerPolicy,
    ...(https
      ? { "strict-transport-security": strictTransportSecurityValue(set.strictTransportSecurity) }
      : {}),
  };
}

/** Sets every field on the response, replacing the origin's value as CloudFront's `override` does. */
export function withSecurityHeaders(response: Response, fields: Record<string, string>): Response {
  for (const [name, value] of Object.entries(fields)) response.headers.set(name, value);
  return response;
}
