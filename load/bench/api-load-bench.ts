import { type ChildProcess, fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createBody,
  EXPECTED_STATUS,
  listQuery,
  OPERATIONS,
  type Operation,
  operationFor,
  pickOperation,
  updateBody,
} from "../lib/mix";
import { verificationTokenIn } from "../lib/seeded-users";
import { type OpenLoopResult, type PlannedRequest, runOpenLoop } from "./open-loop";
import { FLOOR_PATH, STOP_MESSAGE, type StackReady } from "./stack-protocol";
import { type LatencySummary, summarize } from "./stats";

/**
 * 3. The API under an open-loop load: the local stack on PostgreSQL replaying load/api.ts's mix
 *    at a fixed rate, and, in the same run on the same gateway, the floor: the same rate against
 *    a route that only runs `SELECT 1` through the same driver. Measured in alternating segments
 *    so both see the same machine.
 */
export interface LoadSide {
  overall: LatencySummary;
  byLabel: Record<string, LatencySummary>;
  /** Answers with another status than expected, plus requests with no answer. */
  errors: number;
  completed: number;
  achievedRate: number;
}

export interface ApiLoadResult {
  rate: number;
  durationSeconds: number;
  users: number;
  databaseLabel: string;
  api: LoadSide;
  floor: LoadSide;
}

export interface ApiLoadOptions {
  databaseUrl: string;
  rate: number;
  /** Measured seconds per side (split over two segments each). */
  durationSeconds: number;
  warmupSeconds: number;
  users: number;
}

const STACK_START_TIMEOUT_MS = 90_000;
const SEGMENTS = 2;

/**
 * Starts a server process of the bench (stack-process.ts by default) on a database; it answers
 * with its origin once it serves.
 */
export function startStack(
  databaseUrl: string,
  entry = "./stack-process.ts",
): Promise<{ child: ChildProcess; ready: StackReady }> {
  const child = fork(fileURLToPath(new URL(entry, import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      // Bench-only and loopback-only: every stack on this database decrypts the same signing keys.
      BENCH_AUTH_SECRET: createHash("sha256").update(`bench ${databaseUrl}`).digest("base64url"),
    },
    // The functions log one JSON line per request: written, as in Lambda, but not shown unless
    // BENCH_STACK_LOG names a file (their durationMs tells function time from gateway time).
    stdio: [
      "ignore",
      process.env.BENCH_STACK_LOG ? openSync(process.env.BENCH_STACK_LOG, "w") : "ignore",
      "pipe",
      "ipc",
    ],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${entry} did not start in ${STACK_START_TIMEOUT_MS / 1000} s`));
    }, STACK_START_TIMEOUT_MS);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve({ child, ready: message as StackReady });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready:\n${stderr.trim()}`));
    });
  });
}

export function stopStack(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.send(STOP_MESSAGE);
  });
}

export interface BenchUser {
  authorization: string;
  /** The session cookie: mints further tokens at GET /api/auth/token. */
  cookie: string;
  /** Tasks of this user not currently in flight: a task is never used by two requests at once. */
  idle: string[];
}

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((value) => value.split(";")[0] ?? "")
    .filter((pair) => pair !== "" && !pair.endsWith("="))
    .join("; ");
}

/** With e-mail verification on, the session comes from the link in the local inbox. */
async function verifiedSessionCookie(origin: string, email: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const inbox = await fetch(`${origin}/_dev/mail.json?to=${encodeURIComponent(email)}`);
    if (inbox.status !== 200)
      throw new Error(`bench: sign-up gave no session and the inbox answered ${inbox.status}`);
    const { messages } = (await inbox.json()) as { messages: Array<{ text: string }> };
    const token = messages.map((message) => verificationTokenIn(message.text)).find(Boolean);
    if (token) {
      const verified = await fetch(
        `${origin}/api/auth/verify-email?token=${encodeURIComponent(token)}`,
      );
      if (verified.status !== 200)
        throw new Error(`bench verify-email answered ${verified.status}`);
      return cookiesOf(verified);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("bench: no verification mail in the local inbox");
}

async function createUser(origin: string, index: number): Promise<BenchUser> {
  const headers = { origin, "content-type": "application/json" };
  const email = `bench-${randomBytes(4).toString("hex")}-${index}@bench.example.com`;
  const signUp = await fetch(`${origin}/api/auth/sign-up/email`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      email,
      password: randomBytes(12).toString("base64url"),
      name: `Bench user ${index}`,
    }),
  });
  if (signUp.status !== 200) throw new Error(`bench sign-up answered ${signUp.status}`);
  const cookie = cookiesOf(signUp) || (await verifiedSessionCookie(origin, email));
  return { authorization: `Bearer ${await mintToken(origin, cookie)}`, cookie, idle: [] };
}

/** A new JWT for the session in `cookie`, from GET /api/auth/token. */
export async function mintToken(origin: string, cookie: string): Promise<string> {
  const answer = await fetch(`${origin}/api/auth/token`, { headers: { cookie } });
  const { token } = (await answer.json()) as { token?: unknown };
  if (typeof token !== "string") throw new Error(`bench token request answered ${answer.status}`);
  return token;
}

export async function createUsers(origin: string, count: number): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  for (let start = 0; start < count; start += 4) {
    const batch = Array.from({ length: Math.min(4, count - start) }, (_, i) =>
      createUser(origin, start + i),
    );
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

/** load/api.ts's mix: the same weights, bodies and fallbacks (lib/mix.ts). */
export function apiMix(users: BenchUser[]): () => PlannedRequest {
  let sequence = 0;
  return () => {
    const user = users[Math.floor(Math.random() * users.length)] as BenchUser;
    const op: Operation = operationFor(pickOperation(Math.random()), user.idle.length);
    sequence++;
    const headers = { authorization: user.authorization, "content-type": "application/json" };
    const base = { label: op, headers, expectedStatus: EXPECTED_STATUS[op] };
    if (op === "list") {
      return { ...base, method: "GET", path: `/api/tasks${listQuery(Math.random())}` };
    }
    if (op === "create") {
      return {
        ...base,
        method: "POST",
        path: "/api/tasks",
        body: createBody(sequence),
        onAnswer: (status, body) => {
          if (status !== 201) return;
          const { id } = JSON.parse(body) as { id?: unknown };
          if (typeof id === "string") user.idle.push(id);
        },
      };
    }
    const [taskId] = user.idle.splice(Math.floor(Math.random() * user.idle.length), 1);
    const path = `/api/tasks/${taskId}`;
    const giveBack = (status: number) => {
      if (status === EXPECTED_STATUS[op] && op !== "delete") user.idle.push(taskId as string);
      else if (status >= 500 && taskId) user.idle.push(taskId);
    };
    if (op === "read") return { ...base, method: "GET", path, onAnswer: giveBack };
    if (op === "update") {
      return { ...base, method: "PATCH", path, body: updateBody(sequence), onAnswer: giveBack };
    }
    return { ...base, method: "DELETE", path, onAnswer: giveBack };
  };
}

export function floorRequest(): PlannedRequest {
  return { label: "select-1", method: "GET", path: FLOOR_PATH, headers: {}, expectedStatus: 200 };
}

export function mergeSide(runs: OpenLoopResult[], durationSeconds: number): LoadSide {
  const byLabel = new Map<string, number[]>();
  let errors = 0;
  let completed = 0;
  for (const run of runs) {
    for (const [label, samples] of run.latencies)
      byLabel.set(label, [...(byLabel.get(label) ?? []), ...samples]);
    for (const count of run.unexpected.values()) errors += count;
    errors += run.requestErrors;
    completed += run.completed;
  }
  const all = [...byLabel.values()].flat();
  const summaries: Record<string, LatencySummary> = {};
  for (const label of [...OPERATIONS, "select-1"]) {
    const samples = byLabel.get(label);
    if (samples) summaries[label] = summarize(samples);
  }
  return {
    overall: summarize(all),
    byLabel: summaries,
    errors,
    completed,
    achievedRate: completed / durationSeconds,
  };
}

export async function benchApiLoad(options: ApiLoadOptions): Promise<ApiLoadResult> {
  const { rate, durationSeconds, warmupSeconds } = options;
  const { child, ready } = await startStack(options.databaseUrl);
  try {
    const users = await createUsers(ready.url, options.users);
    const api = apiMix(users);
    const segment = Math.max(1, Math.round(durationSeconds / SEGMENTS));
    const load = (next: () => PlannedRequest, seconds: number) =>
      runOpenLoop({ origin: ready.url, rate, durationSeconds: seconds, next });

    // Warm-up: JIT, pooled connections, the authorizer's key set and answer cache.
    await load(floorRequest, warmupSeconds);
    await load(api, warmupSeconds);

    const floorRuns: OpenLoopResult[] = [];
    const apiRuns: OpenLoopResult[] = [];
    for (let i = 0; i < SEGMENTS; i++) {
      floorRuns.push(await load(floorRequest, segment));
      apiRuns.push(await load(api, segment));
    }
    return {
      rate,
      durationSeconds: segment * SEGMENTS,
      users: users.length,
      databaseLabel: ready.databaseLabel,
      api: mergeSide(apiRuns, segment * SEGMENTS),
      floor: mergeSide(floorRuns, segment * SEGMENTS),
    };
  } finally {
    await stopStack(child);
  }
}
