import { Duration } from "aws-cdk-lib";
import {
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
} from "aws-cdk-lib/aws-cloudfront";
import type { Construct } from "constructs";
import {
  API_SECURITY_HEADERS,
  type FrameOption,
  type ReferrerPolicy,
  type SecurityHeaderSet,
  SITE_SECURITY_HEADERS,
} from "./security-headers";

const FRAME_OPTIONS: Record<FrameOption, HeadersFrameOption> = { DENY: HeadersFrameOption.DENY };
const REFERRER_POLICIES: Record<ReferrerPolicy, HeadersReferrerPolicy> = {
  "strict-origin-when-cross-origin": HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
};

/** CloudFront's form of a header set; every header overrides the origin's, as the local stack does. */
export function securityHeadersBehavior(set: SecurityHeaderSet): ResponseSecurityHeadersBehavior {
  const hsts = set.strictTransportSecurity;
  return {
    ...(set.contentSecurityPolicy
      ? {
          contentSecurityPolicy: {
            contentSecurityPolicy: set.contentSecurityPolicy,
            override: true,
          },
        }
      : {}),
    contentTypeOptions: { override: true },
    frameOptions: { frameOption: FRAME_OPTIONS[set.frameOptions], override: true },
    referrerPolicy: { referrerPolicy: REFERRER_POLICIES[set.referrerPolicy], override: true },
    strictTransportSecurity: {
      accessControlMaxAge: Duration.seconds(hsts.maxAgeSeconds),
      includeSubdomains: hsts.includeSubdomains,
      preload: hsts.preload,
      override: true,
    },
  };
}

/** The response headers policies of the distribution's two behaviours (site and /api/*). */
export function createResponseHeadersPolicies(scope: Construct, stage: string) {
  return {
    site: new ResponseHeadersPolicy(scope, "SiteResponseHeaders", {
      comment: `${stage}: site security headers (CSP, frame, referrer, nosniff, HSTS)`,
      securityHeadersBehavior: securityHeadersBehavior(SITE_SECURITY_HEADERS),
    }),
    api: new ResponseHeadersPolicy(scope, "ApiResponseHeaders", {
      comment: `${stage}: /api security headers (frame, referrer, nosniff, HSTS)`,
      securityHeadersBehavior: securityHeadersBehavior(API_SECURITY_HEADERS),
    }),
  };
}
