import { describe, expect, it } from "vitest";
import { percentile, summarize, table } from "./stats";

describe("bench statistics", () => {
  it("uses nearest-rank percentiles, so a reported p99 is a latency that was observed", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("summarizes unsorted samples without reordering the caller's array", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });

  it("aligns table columns under a rule", () => {
    expect(
      table(
        ["name", "p99"],
        [
          ["verify", "0.2 ms"],
          ["floor", "0.1 ms"],
        ],
      ).split("\n"),
    ).toEqual(["name    p99", "------  ------", "verify  0.2 ms", "floor   0.1 ms"]);
  });
});
