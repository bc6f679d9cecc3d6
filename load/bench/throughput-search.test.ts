import { describe, expect, it } from "vitest";
import { searchMaxRate } from "./throughput-search";

/** The search on a server whose limit is known: which rates it tries and what it concludes. */
function serverWithLimit(limit: number) {
  return async (rate: number) => ({ rate, sustained: rate <= limit });
}

const options = { startRate: 25, maxRate: 3_200, bisections: 3, outOfTime: () => false };

describe("searchMaxRate", () => {
  it("doubles until a rate fails, then bisects between the last that held and the first that did not", async () => {
    const result = await searchMaxRate(serverWithLimit(130), options);
    expect(result.steps.map((step) => step.rate)).toEqual([25, 50, 100, 200, 150, 125, 138]);
    expect(result).toMatchObject({ best: 125, capped: false });
  });

  it("bisects below the start rate when even it fails, and reports 0 when nothing holds", async () => {
    const below = await searchMaxRate(serverWithLimit(10), options);
    expect(below.steps.map((step) => step.rate)).toEqual([25, 13, 7, 10]);
    expect(below.best).toBe(10);
    const nothing = await searchMaxRate(serverWithLimit(0), options);
    expect(nothing.steps.map((step) => step.rate)).toEqual([25, 13, 7, 4]);
    expect(nothing.best).toBe(0);
  });

  it("stops at the cap and says the limit lies above it", async () => {
    const result = await searchMaxRate(serverWithLimit(10_000), { ...options, maxRate: 150 });
    expect(result.steps.map((step) => step.rate)).toEqual([25, 50, 100, 150]);
    expect(result).toMatchObject({ best: 150, capped: true });
  });

  it("starts no step once it is out of time", async () => {
    let steps = 0;
    const result = await searchMaxRate(
      async (rate) => {
        steps++;
        return { rate, sustained: true };
      },
      { ...options, outOfTime: () => steps >= 2 },
    );
    expect(result.steps).toHaveLength(2);
    expect(result).toMatchObject({ best: 50, capped: false });
  });
});
