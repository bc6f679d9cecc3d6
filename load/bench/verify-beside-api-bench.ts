import { serverTimingDuration } from "../lib/server-timing";
import {
  apiMix,
  type BenchUser,
  createUsers,
  type LoadSide,
  mergeSide,
  mintToken,
  startStack,
  stopStack,
} from "./api-load-bench";
import { runOpenLoop } from "./open-loop";
import { type LatencySummary, summarize } from "./stats";

/**
 * 7. What `k6 run load/verify.ts` beside `k6 run load/api.ts` measures, without k6: the local
 *    stack on its embedded PGlite (as `npm start` runs it), verify.ts's iteration at its default
 *    rate (mint a fresh token, then GET /api/tasks?limit=1 and read `Server-Timing: verify;dur`)
 *    while api.ts's mix runs at its default rate on other users. The authorizer's verification
 *    time is what its instance spent verifying; with every function in its own instances, the
 *    API's and the auth function's work beside it no longer lands in that number.
 */
export interface VerifyBesideApiOptions {
  databaseUrl: string;
  databaseLabel: string;
  /** verify.ts's RATE (default 20/s) and USERS (default 30). */
  verifyRate: number;
  verifyUsers: number;
  /** api.ts's RATE (default 40/s). */
  apiRate: number;
  apiUsers: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface VerifyBesideApiResult {
  databaseLabel: string;
  verifyRate: number;
  apiRate: number;
  durationSeconds: number;
  /** The authorizer's verification time, as verify.ts's verify_ms Trend records it. */
  verifyMs: LatencySummary;
  /** The measured request's round trip (the token request not included). */
  verifyRequestMs: LatencySummary;
  /** Iterations whose token request or measured request failed, or carried no verify;dur. */
  verifyErrors: number;
  api: LoadSide;
}

interface VerifySamples {
  verifyMs: number[];
  requestMs: number[];
  errors: number;
}

/** One verify.ts iteration: a fresh token for the next user in turn, then the measured call. */
async function verifyIteration(origin: string, user: BenchUser, into: VerifySamples) {
  try {
    const token = await mintToken(origin, user.cookie);
    const started = performance.now();
    const answer = await fetch(`${origin}/api/tasks?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await answer.arrayBuffer();
    const elapsed = performance.now() - started;
    const verify = serverTimingDuration(answer.headers.get("server-timing") ?? undefined, "verify");
    if (answer.status !== 200 || verify === undefined) throw new Error(`answered ${answer.status}`);
    into.verifyMs.push(verify);
    into.requestMs.push(elapsed);
  } catch {
    into.errors += 1;
  }
}

/** Starts an iteration every 1/rate s (open loop) and waits for the last one to end. */
async function verifyLoop(
  origin: string,
  users: BenchUser[],
  rate: number,
  seconds: number,
): Promise<VerifySamples> {
  const samples: VerifySamples = { verifyMs: [], requestMs: [], errors: 0 };
  const inFlight: Promise<void>[] = [];
  const total = rate * seconds;
  const started = performance.now();
  for (let iteration = 0; iteration < total; iteration += 1) {
    const due = started + (iteration * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const user = users[iteration % users.length] as BenchUser;
    inFlight.push(verifyIteration(origin, user, samples));
  }
  await Promise.all(inFlight);
  return samples;
}

export async function benchVerifyBesideApi(
  options: VerifyBesideApiOptions,
): Promise<VerifyBesideApiResult> {
  const { child, ready } = await startStack(options.databaseUrl);
  try {
    const origin = ready.url;
    const verifyUsers = await createUsers(origin, options.verifyUsers);
    const apiUsers = await createUsers(origin, options.apiUsers);
    const both = (seconds: number) =>
      Promise.all([
        verifyLoop(origin, verifyUsers, options.verifyRate, seconds),
        runOpenLoop({
          origin,
          rate: options.apiRate,
          durationSeconds: seconds,
          next: apiMix(apiUsers),
        }),
      ]);
    // Warm-up: JIT, pooled connections, the authorizer's key set; tokens a second apart after it.
    await both(options.warmupSeconds);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [verify, api] = await both(options.durationSeconds);
    return {
      databaseLabel: options.databaseLabel,
      verifyRate: options.verifyRate,
      apiRate: options.apiRate,
      durationSeconds: options.durationSeconds,
      verifyMs: summarize(verify.verifyMs),
      verifyRequestMs: summarize(verify.requestMs),
      verifyErrors: verify.errors,
      api: mergeSide([api], options.durationSeconds),
    };
  } finally {
    await stopStack(child);
  }
}
