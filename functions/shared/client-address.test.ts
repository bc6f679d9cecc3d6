import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { requestToGatewayEvent } from "../../infra/local/gateway-event";
import {
  CLIENT_IP_HEADER,
  clientAddressFromEvent,
  ORIGIN_VERIFY_HEADER,
  originCheck,
  trustedClientAddress,
  VIEWER_ADDRESS_HEADER,
} from "./client-address";
import type { LambdaEnv } from "./gateway-event";

describe("the origin secret check", () => {
  const secret = randomBytes(32).toString("base64url");
  const isFromEdge = originCheck([secret]);

  it("accepts exactly the stage's secret", () => {
    expect(isFromEdge(secret)).toBe(true);
    expect(isFromEdge(` ${secret}`)).toBe(false);
    expect(isFromEdge(secret.toUpperCase())).toBe(false);
  });

  it("refuses absent, empty, prefix, longer and same-length values without throwing", () => {
    // timingSafeEqual throws on unequal lengths: the digests make every length comparable.
    for (const presented of [undefined, "", secret.slice(0, 10), `${secret}x`, "y".repeat(43)]) {
      expect(isFromEdge(presented), String(presented)).toBe(false);
    }
  });

  it("accepts the next rotation's secret beside the current one, and nothing else", () => {
    const next = randomBytes(32).toString("base64url");
    const duringRotation = originCheck([secret, next]);
    expect(duringRotation(secret)).toBe(true);
    expect(duringRotation(next)).toBe(true);
    expect(duringRotation(`${secret}${next}`)).toBe(false);
    expect(isFromEdge(next)).toBe(false);
  });

  it("believes nobody when the function has no secret", () => {
    for (const presented of [undefined, "", "anything"]) {
      expect(originCheck([])(presented)).toBe(false);
      expect(originCheck([undefined, ""])(presented)).toBe(false);
    }
  });
});

describe("the client address", () => {
  const secret = randomBytes(32).toString("base64url");

  it("is API Gateway's sourceIp for an event without headers", async () => {
    const event = await requestToGatewayEvent(new Request("https://api.example/api/auth/ok"), {
      routeKey: "ANY /api/auth/{proxy+}",
      sourceIp: "203.0.113.9",
    });
    delete (event as { headers?: unknown }).headers;
    expect(clientAddressFromEvent(event, originCheck([secret]))).toBe("203.0.113.9");
  });

  it("is never what a caller sends when no API Gateway event carries the request", async () => {
    const app = new Hono<LambdaEnv>();
    app.use("*", trustedClientAddress([secret]));
    app.get("/", (c) =>
      c.json({
        address: c.req.header(CLIENT_IP_HEADER) ?? null,
        verify: c.req.header(ORIGIN_VERIFY_HEADER) ?? null,
        viewer: c.req.header(VIEWER_ADDRESS_HEADER) ?? null,
      }),
    );
    const response = await app.request("/", {
      headers: {
        [CLIENT_IP_HEADER]: "198.51.100.1",
        [ORIGIN_VERIFY_HEADER]: secret,
        [VIEWER_ADDRESS_HEADER]: "198.51.100.2",
      },
    });
    expect(await response.json()).toEqual({ address: null, verify: null, viewer: null });
  });
});
