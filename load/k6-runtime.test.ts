import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeK6Runtime, newFakeRuntime } from "./testing/k6-fake/runtime";
import { loadScript } from "./testing/load-script";
import { type SyncTransport, startSyncTransport } from "./testing/sync-transport";

/**
 * The k6 scripts end to end against the local stack (embedded PGlite, e-mail verification on),
 * run on a fake of k6's runtime (load/testing/k6-fake) that gives responses, cookies and the cookie
 * jar the shapes k6 itself gives them, not the ones @types/k6 declares: a script that reads a field
 * k6 does not have (a response cookie's `maxAge`) fails here as it would under a real `k6 run`.
 */
const STACK_PROCESS = fileURLToPath(new URL("./testing/local-stack-process.ts", import.meta.url));

let stack: ChildProcess | undefined;
let transport: SyncTransport | undefined;
let origin = "";

beforeAll(async () => {
  const child = fork(STACK_PROCESS, [], { execArgv: ["--import", "tsx"], stdio: "pipe" });
  stack = child;
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  origin = await new Promise<string>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the local stack exited (${code}): ${output}`)));
  });
  transport = startSyncTransport();
});

afterAll(async () => {
  await transport?.close();
  const child = stack;
  if (child && child.exitCode === null) {
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.send("stop");
    });
  }
});

function runtimeFor(env: Record<string, string>): FakeK6Runtime {
  if (!transport) throw new Error("no transport");
  return newFakeRuntime({ BASE_URL: origin, ...env }, transport.send);
}

function failures(runtime: FakeK6Runtime) {
  return {
    checks: runtime.checks.filter((check) => !check.ok).map((check) => check.name),
    statuses: runtime.requests
      .filter((request) => !request.expected)
      .map((request) => `${request.method} ${request.name ?? request.url} → ${request.status}`),
  };
}

interface SetupUser {
  cookies: Record<string, string>;
  token: string;
}

describe("the k6 scripts on k6's runtime shapes, against the local stack", () => {
  it("api.ts: setup verifies its users through the inbox and keeps their sessions from k6's cookie jar, the mix runs, teardown deletes them", async () => {
    const runtime = runtimeFor({ USERS: "2" });
    const script = await loadScript("api.ts", runtime.env, runtime);
    const data = script.setup?.() as { users: SetupUser[] };
    expect(data.users).toHaveLength(2);
    for (const user of data.users) {
      expect(Object.keys(user.cookies)).toContain("better-auth.session_token");
      expect(user.token.split(".")).toHaveLength(3);
    }
    // One VU acting as one user, as k6 runs it.
    for (let iteration = 0; iteration < 40; iteration++) script.default?.(data);
    script.teardown?.(data);

    expect(failures(runtime)).toEqual({ checks: [], statuses: [] });
    const sent = new Set(runtime.requests.map((request) => request.name));
    for (const route of ["POST /api/tasks", "GET /api/tasks", "POST /api/auth/delete-user"]) {
      expect(sent).toContain(route);
    }
  }, 120_000);

  it("verify.ts records the authorizer's Server-Timing verify duration for every request", async () => {
    const runtime = runtimeFor({ USERS: "2", RATE: "2" });
    const script = await loadScript("verify.ts", runtime.env, runtime);
    const data = script.setup?.();
    for (let iteration = 0; iteration < 6; iteration++) {
      runtime.scenario.iterationInTest = iteration;
      script.default?.(data);
    }
    script.teardown?.(data);

    expect(failures(runtime)).toEqual({ checks: [], statuses: [] });
    const samples = runtime.metrics.verify_ms ?? [];
    expect(samples).toHaveLength(6);
    for (const sample of samples) expect(sample).toBeGreaterThan(0);
  }, 120_000);

  it("smoke.ts passes every check with no unexpected status, signed-out and deleted sessions refused", async () => {
    const runtime = runtimeFor({});
    const script = await loadScript("smoke.ts", runtime.env, runtime);
    script.default?.(undefined);

    expect(failures(runtime)).toEqual({ checks: [], statuses: [] });
    const names = runtime.checks.map((check) => check.name);
    expect(names).toContain("sign-in: 200 with a session cookie");
    expect(names).toContain("sign-out: the signed-out session gets no token");
    expect(names).toContain("delete-user: the deleted account gets no token");
  }, 120_000);
});
