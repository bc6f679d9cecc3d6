import {
  apiMix,
  createUsers,
  floorRequest,
  mergeSide,
  startStack,
  stopStack,
} from "./api-load-bench";
import { type PlannedRequest, runOpenLoop } from "./open-loop";
import { type RateStep, searchMaxRate } from "./throughput-search";

/**
 * 5. Throughput (`npm run bench -- --throughput`): the highest rate of load/api.ts's mix the local
 *    stack sustains on this machine (p99 under the API target, no error, the rate delivered), on
 *    each database, beside the same figure for the floor: a bare node:http server running
 *    `SELECT 1` through the same driver and pool settings. Each target runs in its own process;
 *    the search doubles from START_RATE, then bisects, one fixed-rate step at a time.
 */
export const THROUGHPUT_P99_LIMIT_MS = 100;
const START_RATE = 25;
const MAX_RATE = 3_200;
const BISECTIONS = 3;
/** A step must complete at least this share of the requests its rate asks for. */
const MIN_DELIVERED = 0.9;
/** Pause after each step so a backlog from an overloaded one does not leak into the next. */
const SETTLE_MS = 1_500;

export interface ThroughputStep extends RateStep {
  p50: number;
  p99: number;
  errors: number;
  completed: number;
  achievedRate: number;
}

export interface ThroughputTarget {
  name: string;
  databaseLabel: string;
  /** The highest rate that held, in requests per second (0: not even the lowest tried). */
  best: number;
  /** The cap was reached without a failing step: the real limit is higher. */
  capped: boolean;
  steps: ThroughputStep[];
}

export interface ThroughputResult {
  p99LimitMs: number;
  stepSeconds: number;
  targets: ThroughputTarget[];
}

export interface ThroughputOptions {
  databases: Array<{ url: string; label: string }>;
  users: number;
  stepSeconds: number;
  warmupSeconds: number;
  /** Each target's search starts no new step after this many milliseconds. */
  budgetPerTargetMs: number;
  progress?: (text: string) => void;
}

async function measureAt(
  origin: string,
  next: () => PlannedRequest,
  rate: number,
  seconds: number,
): Promise<ThroughputStep> {
  const run = await runOpenLoop({ origin, rate, durationSeconds: seconds, next });
  const side = mergeSide([run], seconds);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return {
    rate,
    sustained:
      side.errors === 0 &&
      side.overall.p99 < THROUGHPUT_P99_LIMIT_MS &&
      side.completed >= MIN_DELIVERED * rate * seconds,
    p50: side.overall.p50,
    p99: side.overall.p99,
    errors: side.errors,
    completed: side.completed,
    achievedRate: side.achievedRate,
  };
}

interface TargetPlan {
  name: string;
  /** The bench process that serves it. */
  entry: string;
  /** The requests to send, given the origin (the API mix needs its users first). */
  requests: (origin: string) => Promise<() => PlannedRequest>;
}

async function searchTarget(
  plan: TargetPlan,
  database: { url: string; label: string },
  options: ThroughputOptions,
): Promise<ThroughputTarget> {
  const { child, ready } = await startStack(database.url, plan.entry);
  try {
    const next = await plan.requests(ready.url);
    await runOpenLoop({
      origin: ready.url,
      rate: START_RATE,
      durationSeconds: options.warmupSeconds,
      next,
    });
    const deadline = Date.now() + options.budgetPerTargetMs;
    const result = await searchMaxRate(
      async (rate) => {
        const step = await measureAt(ready.url, next, rate, options.stepSeconds);
        options.progress?.(
          `${plan.name} on ${database.label}: ${rate}/s → p99 ${step.p99.toFixed(1)} ms, ${step.errors} errors, ${step.sustained ? "held" : "not held"}`,
        );
        return step;
      },
      {
        startRate: START_RATE,
        maxRate: MAX_RATE,
        bisections: BISECTIONS,
        outOfTime: () => Date.now() > deadline,
      },
    );
    return { name: plan.name, databaseLabel: ready.databaseLabel, ...result };
  } finally {
    await stopStack(child);
  }
}

export async function benchThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const plans: TargetPlan[] = [
    {
      name: "local stack, API mix",
      entry: "./stack-process.ts",
      requests: async (origin) => apiMix(await createUsers(origin, options.users)),
    },
    {
      name: "floor: bare node:http, SELECT 1",
      entry: "./floor-server-process.ts",
      requests: async () => floorRequest,
    },
  ];
  const targets: ThroughputTarget[] = [];
  for (const database of options.databases) {
    for (const plan of plans) targets.push(await searchTarget(plan, database, options));
  }
  return { p99LimitMs: THROUGHPUT_P99_LIMIT_MS, stepSeconds: options.stepSeconds, targets };
}
