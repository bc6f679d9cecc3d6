/**
 * The bounded search for the highest rate a server sustains: double from a start rate until a
 * step fails (or the cap or the deadline is reached), then bisect between the last rate that held
 * and the first that did not. Each step is one measurement at one fixed rate.
 */
export interface RateStep {
  rate: number;
  sustained: boolean;
}

export interface SearchOptions {
  startRate: number;
  /** Never try more than this. */
  maxRate: number;
  /** Bisection steps after the doubling phase. */
  bisections: number;
  /** Stop starting new steps once this returns true (a time bound). */
  outOfTime: () => boolean;
}

export interface SearchResult<Step extends RateStep> {
  /** The highest rate that held (0 when even the start rate did not). */
  best: number;
  /** True when the cap was reached without a failing step: the real limit is higher. */
  capped: boolean;
  steps: Step[];
}

export async function searchMaxRate<Step extends RateStep>(
  measure: (rate: number) => Promise<Step>,
  options: SearchOptions,
): Promise<SearchResult<Step>> {
  const steps: Step[] = [];
  const attempt = async (rate: number): Promise<boolean> => {
    const step = await measure(rate);
    steps.push(step);
    return step.sustained;
  };
  let held = 0;
  let failed: number | undefined;
  for (let rate = options.startRate; !options.outOfTime(); rate *= 2) {
    const capped = Math.min(rate, options.maxRate);
    if (!(await attempt(capped))) {
      failed = capped;
      break;
    }
    held = capped;
    if (capped === options.maxRate) return { best: held, capped: true, steps };
  }
  if (failed === undefined) return { best: held, capped: false, steps };
  for (let i = 0; i < options.bisections && !options.outOfTime(); i++) {
    const middle = Math.round((held + failed) / 2);
    if (middle === held || middle === failed) break;
    if (await attempt(middle)) held = middle;
    else failed = middle;
  }
  return { best: held, capped: false, steps };
}
