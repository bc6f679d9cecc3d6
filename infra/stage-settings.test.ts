import { describe, expect, it } from "vitest";
import { apiAudience } from "../functions/shared/settings";
import { AUTHORIZER_CACHE_TTL_SECONDS } from "./api-gateway-limits";
import {
  assertWafRegion,
  DEFAULT_WAF_RATE_LIMIT,
  publicOrigin,
  stageSettings,
  WAF_CLOUDFRONT_REGION,
} from "./stage-settings";

/** The one setting every stage needs. */
const MAIL = { MAIL_IDENTITY: "example.com" };

const CLOUDFRONT_URL = "https://d111111abcdef8.cloudfront.net";

describe("stage settings", () => {
  it("defaults: shared authorizer TTL, short log retention, modest throttling", () => {
    const settings = stageSettings("alice", MAIL);
    expect(settings).toEqual({
      stage: "alice",
      isProduction: false,
      logRetention: "one_week",
      authorizerCacheTtlSeconds: AUTHORIZER_CACHE_TTL_SECONDS,
      throttle: { rate: 100, burst: 200 },
      originSecretGeneration: 1,
      waf: { mode: "off" },
      mail: { identity: "example.com", kind: "domain", from: "no-reply@example.com" },
      emailVerification: true,
      logLevel: "INFO",
    });
  });

  it("production keeps logs longer and allows more traffic", () => {
    const settings = stageSettings("prod", MAIL);
    expect(settings.isProduction).toBe(true);
    expect(settings.logRetention).toBe("three_months");
    expect(settings.throttle).toEqual({ rate: 500, burst: 1000 });
    expect(settings.waf).toEqual({ mode: "rate-limit", limit: DEFAULT_WAF_RATE_LIMIT });
  });

  it("reads the authorizer TTL and throttling per stage from the environment", () => {
    const settings = stageSettings("alice", {
      ...MAIL,
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
    expect(() => stageSettings("alice", { ...MAIL, [name]: value })).toThrow(name);
  });

  it("the public origin is the CloudFront URL without a domain", () => {
    const origin = publicOrigin(stageSettings("alice", MAIL), CLOUDFRONT_URL);
    expect(origin).toBe(CLOUDFRONT_URL);
    expect(apiAudience(origin)).toBe(`${CLOUDFRONT_URL}/api`);
  });

  it("the public origin is the custom domain when set, in a Route 53 zone or with a certificate", () => {
    const routed = stageSettings("prod", {
      ...MAIL,
      SITE_DOMAIN: "App.Example.com",
      SITE_HOSTED_ZONE: "example.com",
    });
    expect(routed.domain).toEqual({ name: "app.example.com", hostedZone: "example.com" });
    expect(publicOrigin(routed, CLOUDFRONT_URL)).toBe("https://app.example.com");

    const arn =
      "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012";
    const external = stageSettings("prod", {
      ...MAIL,
      SITE_DOMAIN: "example.org",
      SITE_CERTIFICATE_ARN: arn,
    });
    expect(external.domain).toEqual({ name: "example.org", certificateArn: arn });
    expect(apiAudience(publicOrigin(external, CLOUDFRONT_URL))).toBe("https://example.org/api");
  });

  it("rejects a malformed domain, a certificate outside us-east-1 and a zone without a domain", () => {
    expect(() => stageSettings("prod", { ...MAIL, SITE_DOMAIN: "https://example.com" })).toThrow(
      "SITE_DOMAIN",
    );
    expect(() =>
      stageSettings("prod", {
        ...MAIL,
        SITE_DOMAIN: "example.com",
        SITE_CERTIFICATE_ARN: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
      }),
    ).toThrow("us-east-1");
    expect(() => stageSettings("prod", { ...MAIL, SITE_HOSTED_ZONE: "example.com" })).toThrow(
      "SITE_DOMAIN",
    );
  });

  it("reads the origin secret's generation, which replaces the secret when it changes", () => {
    expect(
      stageSettings("alice", { ...MAIL, ORIGIN_SECRET_GENERATION: "2" }).originSecretGeneration,
    ).toBe(2);
    expect(() => stageSettings("alice", { ...MAIL, ORIGIN_SECRET_GENERATION: "0" })).toThrow(
      "ORIGIN_SECRET_GENERATION",
    );
  });
});

describe("WAF stage settings", () => {
  const ARN =
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared-api/0a1b2c3d-1111-2222-3333-444455556666";

  it("is on in production and off elsewhere by default, and each can be switched", () => {
    expect(stageSettings("production", MAIL).waf).toEqual({ mode: "rate-limit", limit: 2000 });
    expect(stageSettings("alice", MAIL).waf).toEqual({ mode: "off" });
    expect(stageSettings("alice", { ...MAIL, WAF: "on" }).waf).toEqual({
      mode: "rate-limit",
      limit: 2000,
    });
    expect(stageSettings("prod", { ...MAIL, WAF: "OFF" }).waf).toEqual({ mode: "off" });
  });

  it("takes a rate limit within AWS WAF's bounds", () => {
    expect(stageSettings("prod", { ...MAIL, WAF_RATE_LIMIT: "500" }).waf).toEqual({
      mode: "rate-limit",
      limit: 500,
    });
    expect(stageSettings("alice", { ...MAIL, WAF: "on", WAF_RATE_LIMIT: "10" }).waf).toMatchObject({
      limit: 10,
    });
    for (const limit of ["9", "2000000001", "10.5", "many"]) {
      expect(() => stageSettings("prod", { ...MAIL, WAF_RATE_LIMIT: limit }), limit).toThrow(
        "WAF_RATE_LIMIT",
      );
    }
  });

  it("uses an existing CloudFront web ACL by ARN instead of creating one", () => {
    expect(stageSettings("prod", { ...MAIL, WAF_WEB_ACL_ARN: ARN }).waf).toEqual({
      mode: "existing",
      webAclArn: ARN,
    });
    expect(() =>
      stageSettings("prod", { ...MAIL, WAF_WEB_ACL_ARN: ARN.replace("global", "regional") }),
    ).toThrow("global");
    expect(() =>
      stageSettings("prod", { ...MAIL, WAF_WEB_ACL_ARN: ARN.replace("us-east-1", "eu-west-1") }),
    ).toThrow("WAF_WEB_ACL_ARN");
    expect(() =>
      stageSettings("prod", { ...MAIL, WAF_WEB_ACL_ARN: ARN, WAF_RATE_LIMIT: "100" }),
    ).toThrow("WAF_RATE_LIMIT");
  });

  it("refuses settings that would be silently ignored, and a switch that is not on/off", () => {
    expect(() => stageSettings("alice", { ...MAIL, WAF_RATE_LIMIT: "100" })).toThrow("need WAF on");
    expect(() => stageSettings("prod", { ...MAIL, WAF: "off", WAF_WEB_ACL_ARN: ARN })).toThrow(
      "need WAF on",
    );
    expect(() => stageSettings("alice", { ...MAIL, WAF: "yes" })).toThrow(
      'WAF must be "on" or "off"',
    );
  });

  it("fails synthesis when the stack's own web ACL would be outside us-east-1, naming the ways out", () => {
    const own = stageSettings("prod", MAIL).waf;
    expect(() => assertWafRegion(own, WAF_CLOUDFRONT_REGION)).not.toThrow();
    expect(() => assertWafRegion(own, "eu-west-1")).toThrow(
      /only be created in us-east-1 and this stage deploys to eu-west-1: .*WAF_WEB_ACL_ARN.*WAF=off/,
    );
    // An existing web ACL, or none, works from any region.
    expect(() => assertWafRegion({ mode: "existing", webAclArn: ARN }, "eu-west-1")).not.toThrow();
    expect(() => assertWafRegion({ mode: "off" }, "eu-west-1")).not.toThrow();
  });
});

describe("mail settings", () => {
  it("needs MAIL_IDENTITY and sends from no-reply at a domain identity by default", () => {
    expect(() => stageSettings("alice", {})).toThrow(/MAIL_IDENTITY is required/);
    expect(stageSettings("alice", { MAIL_IDENTITY: " Example.COM " }).mail).toEqual({
      identity: "example.com",
      kind: "domain",
      from: "no-reply@example.com",
    });
  });

  it("takes one address as the identity and as the sender", () => {
    expect(stageSettings("alice", { MAIL_IDENTITY: "ops@example.com" }).mail).toEqual({
      identity: "ops@example.com",
      kind: "address",
      from: "ops@example.com",
    });
  });

  it("accepts a From inside the identity, with a display name or at a subdomain", () => {
    const from = (identity: string, sender: string) =>
      stageSettings("alice", { MAIL_IDENTITY: identity, MAIL_FROM: sender }).mail.from;
    expect(from("example.com", "Tasks <hello@example.com>")).toBe("Tasks <hello@example.com>");
    expect(from("example.com", "hello@mail.example.com")).toBe("hello@mail.example.com");
    expect(from("ops@example.com", "Tasks <OPS@example.com>")).toBe("Tasks <OPS@example.com>");
  });

  it.each([
    ["a domain that is no host name", { MAIL_IDENTITY: "not a domain" }, /MAIL_IDENTITY must be/],
    ["an address that is none", { MAIL_IDENTITY: "a@b@c" }, /MAIL_IDENTITY must be/],
    ["a From at another domain", { MAIL_FROM: "me@elsewhere.com" }, /inside MAIL_IDENTITY/],
    ["a From next to the domain", { MAIL_FROM: "me@badexample.com" }, /inside MAIL_IDENTITY/],
    ["a From that is not an address", { MAIL_FROM: "nobody" }, /MAIL_FROM/],
  ])("refuses %s", (_, env, message) => {
    expect(() => stageSettings("alice", { ...MAIL, ...env })).toThrow(message);
  });

  it("refuses another address than a single-address identity", () => {
    expect(() =>
      stageSettings("alice", { MAIL_IDENTITY: "ops@example.com", MAIL_FROM: "dev@example.com" }),
    ).toThrow(/inside MAIL_IDENTITY/);
  });

  it("turns e-mail verification off only when told, in any stage", () => {
    expect(stageSettings("prod", MAIL).emailVerification).toBe(true);
    expect(stageSettings("alice", { ...MAIL, EMAIL_VERIFICATION: "OFF" }).emailVerification).toBe(
      false,
    );
    expect(stageSettings("alice", { ...MAIL, EMAIL_VERIFICATION: "on" }).emailVerification).toBe(
      true,
    );
    expect(() => stageSettings("alice", { ...MAIL, EMAIL_VERIFICATION: "no" })).toThrow(
      'EMAIL_VERIFICATION must be "on" or "off"',
    );
  });

  it("takes the functions' log level per stage, INFO unless set", () => {
    expect(stageSettings("prod", MAIL).logLevel).toBe("INFO");
    expect(stageSettings("alice", { ...MAIL, LOG_LEVEL: " debug " }).logLevel).toBe("DEBUG");
    expect(() => stageSettings("alice", { ...MAIL, LOG_LEVEL: "trace" })).toThrow(
      'LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, got "TRACE"',
    );
  });
});
