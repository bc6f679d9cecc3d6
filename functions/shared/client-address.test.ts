import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { originCheck } from "./client-address";

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
