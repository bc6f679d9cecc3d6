import { describe, expect, it } from "vitest";
import { apiAudience } from "../functions/shared/settings";
import { AUTHORIZER_CACHE_TTL_SECONDS } from "./api-gateway-limits";
import { publicOrigin, stageSettings } from "./stage-settings";

const CLOUDFRONT_URL = "https://d111111abcdef8.cloudfront.net";

describe("stage settings", () => {
  it("defaults: shared authorizer TTL, short log retention, modest throttling", () => {
    const settings = stageSettings("alice", {});
    expect(settings).toEqual({
      stage: "alice",
      isProduction: false,
      logRetention: "one_week",
      authorizerCacheTtlSeconds: AUTHORIZER_CACHE_TTL_SECONDS,
      throttle: { rate: 100, burst: 200 },
    });
  });

  it("production keeps logs longer and allows more traffic", () => {
    const settings = stageSettings("prod", {});
    expect(settings.isProduction).toBe(true);
    expect(settings.logRetention).toBe("three_months");
    expect(settings.throttle).toEqual({ rate: 500, burst: 1000 });
  });

  it("reads the authorizer TTL and throttling per stage from the environment", () => {
    const settings = stageSettings("alice", {
      AUTHORIZER_CACHE_TTL_SECONDS: "0",
      API_THROTTLE_RATE: "50",
      API_THROTTLE_BURST: "75",
    });
    expect(settings.authorizerCacheTtlSeconds).toBe(0);
    expect(settings.throttle).toEqual({ rate: 50, burst: 75 });
  });

  it.each([
    ["AUTHORIZER_CACHE_TTL_SECONDS", "3601"],
    ["AUTHORIZER_CACHE_TTL_SECONDS", "-1"],
    ["AUTHORIZER_CACHE_TTL_SECONDS", "1.5"],
    ["API_THROTTLE_RATE", "0"],
    ["API_THROTTLE_BURST", "lots"],
  ])("rejects %s=%s with a message naming the setting", (name, value) => {
    expect(() => stageSettings("alice", { [name]: value })).toThrow(name);
  });

  it("the public origin is the CloudFront URL without a domain", () => {
    const origin = publicOrigin(stageSettings("alice", {}), CLOUDFRONT_URL);
    expect(origin).toBe(CLOUDFRONT_URL);
    expect(apiAudience(origin)).toBe(`${CLOUDFRONT_URL}/api`);
  });

  it("the public origin is the custom domain when set, in a Route 53 zone or with a certificate", () => {
    const routed = stageSettings("prod", {
      SITE_DOMAIN: "App.Example.com",
      SITE_HOSTED_ZONE: "example.com",
    });
    expect(routed.domain).toEqual({ name: "app.example.com", hostedZone: "example.com" });
    expect(publicOrigin(routed, CLOUDFRONT_URL)).toBe("https://app.example.com");

    const arn =
      "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012";
    const external = stageSettings("prod", {
      SITE_DOMAIN: "example.org",
      SITE_CERTIFICATE_ARN: arn,
    });
    expect(external.domain).toEqual({ name: "example.org", certificateArn: arn });
    expect(apiAudience(publicOrigin(external, CLOUDFRONT_URL))).toBe("https://example.org/api");
  });

  it("rejects a malformed domain, a certificate outside us-east-1 and a zone without a domain", () => {
    expect(() => stageSettings("prod", { SITE_DOMAIN: "https://example.com" })).toThrow(
      "SITE_DOMAIN",
    );
    expect(() =>
      stageSettings("prod", {
        SITE_DOMAIN: "example.com",
        SITE_CERTIFICATE_ARN: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
      }),
    ).toThrow("us-east-1");
    expect(() => stageSettings("prod", { SITE_HOSTED_ZONE: "example.com" })).toThrow("SITE_DOMAIN");
  });
});
