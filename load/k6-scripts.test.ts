import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  OPERATION_WEIGHTS,
  OPERATIONS,
  operationFor,
  pickOperation,
  TASK_POOL_LIMIT,
} from "./lib/mix";
import { parseUsersFile, verificationTokenIn } from "./lib/seeded-users";
import { serverTimingDuration } from "./lib/server-timing";
import { CookieJar, parseSetCookie } from "./testing/k6-fake/http";
import { loadScript } from "./testing/load-script";

/**
 * k6 cannot run here, so the scripts are held to what can be proved without it: they type-check
 * against @types/k6, and their exported options (evaluated on the fake k6 runtime of
 * load/testing/k6-fake, which only matters once requests are sent) declare the thresholds the
 * targets require. load/k6-runtime.test.ts runs them against the local stack on that fake.
 */
const REPOSITORY_ROOT = fileURLToPath(new URL("../", import.meta.url));
const run = promisify(execFile);

describe("k6 scripts", () => {
  it("type-check against @types/k6 (tsc -p load/tsconfig.json)", async () => {
    const tsc = `${REPOSITORY_ROOT}node_modules/typescript/bin/tsc`;
    const result = await run(process.execPath, [tsc, "-p", "load/tsconfig.json"], {
      cwd: REPOSITORY_ROOT,
    }).then(
      () => ({ code: 0, output: "" }),
      (error: { code?: number; stdout?: string }) => ({
        code: error.code ?? 1,
        output: error.stdout ?? "",
      }),
    );
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 180_000);

  it("api.ts judges every endpoint of the mix on p(95)<100 and p(99)<250, plus errors and checks", async () => {
    const { options } = await loadScript("api.ts");
    for (const op of OPERATIONS) {
      expect(options.thresholds[`http_req_duration{endpoint:${op}}`]).toEqual([
        "p(95)<100",
        "p(99)<250",
      ]);
    }
    expect(options.thresholds.http_req_failed).toEqual(["rate<0.01"]);
    expect(options.thresholds.checks).toEqual(["rate>0.99"]);
    expect(options.summaryTrendStats).toContain("p(99)");
  });

  it("api.ts and verify.ts run open-loop at a constant arrival rate that finishes in about a minute", async () => {
    for (const script of ["api.ts", "verify.ts"]) {
      const scenarios = Object.values((await loadScript(script)).options.scenarios);
      expect(scenarios).toHaveLength(1);
      expect(scenarios[0]).toMatchObject({ executor: "constant-arrival-rate", duration: "50s" });
    }
  });

  it("api.ts and verify.ts export the setup, default and teardown functions k6 calls", async () => {
    for (const script of ["api.ts", "verify.ts"]) {
      const exported = await loadScript(script);
      for (const stage of ["setup", "default", "teardown"] as const) {
        expect(typeof exported[stage], `${script} ${stage}`).toBe("function");
      }
    }
  });

  it("verify.ts holds the Server-Timing verify Trend to p(99)<5 ms", async () => {
    const { options } = await loadScript("verify.ts");
    expect(options.thresholds.verify_ms).toEqual(["p(99)<5"]);
    expect(options.thresholds.checks).toEqual(["rate>0.99"]);
    expect(options.summaryTrendStats).toContain("p(99)");
  });

  it("smoke.ts runs one iteration and tolerates no failed check", async () => {
    const { options } = await loadScript("smoke.ts");
    expect(Object.values(options.scenarios)).toEqual([
      expect.objectContaining({ executor: "shared-iterations", vus: 1, iterations: 1 }),
    ]);
    expect(options.thresholds.checks).toEqual(["rate==1"]);
    expect(options.thresholds.http_req_failed).toEqual(["rate==0"]);
  });

  it("takes rate, duration and VUs from -e settings", async () => {
    const { options } = await loadScript("api.ts", { RATE: "7", DURATION: "2m", MAX_VUS: "30" });
    expect(options.scenarios.api).toMatchObject({ rate: 7, duration: "2m", maxVUs: 30 });
  });

  it("refuses a bad setting before any request, naming it", async () => {
    await expect(loadScript("api.ts", { RATE: "fast" })).rejects.toThrow(/RATE must be a number/);
    await expect(loadScript("verify.ts", { DURATION: "10" })).rejects.toThrow(
      /DURATION must be a duration/,
    );
    await expect(loadScript("verify.ts", { RATE: "50", USERS: "10" })).rejects.toThrow(
      /USERS \(10\) must be at least RATE \(50\)/,
    );
    await expect(loadScript("smoke.ts", { BASE_URL: "127.0.0.1:3000" })).rejects.toThrow(
      /BASE_URL must be/,
    );
  });
});

describe("handleSummary", () => {
  const summary = {
    state: { testRunDurationMs: 61_000 },
    metrics: {
      "http_req_duration{endpoint:list}": {
        type: "trend",
        contains: "time",
        values: { "p(95)": 80, "p(99)": 300 },
        thresholds: { "p(95)<100": { ok: true }, "p(99)<250": { ok: false } },
      },
      http_req_failed: {
        type: "rate",
        contains: "default",
        values: { rate: 0.002 },
        thresholds: { "rate<0.01": { ok: true } },
      },
      dropped_iterations: { type: "counter", contains: "default", values: { count: 3 } },
    },
  };

  it("prints each threshold's verdict with the value it was judged on, and writes the JSON", async () => {
    const { handleSummary } = await loadScript("api.ts");
    const output = handleSummary(summary);
    const stdout = output.stdout ?? "";
    expect(stdout).toMatch(
      /FAIL {2}http_req_duration\{endpoint:list\} p\(99\)<250 +observed 300\.0 ms/,
    );
    expect(stdout).toMatch(
      /PASS {2}http_req_duration\{endpoint:list\} p\(95\)<100 +observed 80\.0 ms/,
    );
    expect(stdout).toMatch(/PASS {2}http_req_failed rate<0\.01 +observed 0\.20%/);
    expect(stdout).toContain("1 of 3 thresholds FAILED");
    expect(stdout).toContain("3 iterations were dropped");
    const written = JSON.parse(output["load/results/api-summary.json"] ?? "{}");
    expect(written).toMatchObject({
      script: "api",
      passed: false,
      baseUrl: "http://127.0.0.1:3000",
    });
    expect(written.thresholds).toHaveLength(3);
  });

  it("writes the JSON where SUMMARY_PATH says", async () => {
    const { handleSummary } = await loadScript("verify.ts", { SUMMARY_PATH: "/tmp/verify.json" });
    expect(Object.keys(handleSummary(summary)).sort()).toEqual(["/tmp/verify.json", "stdout"]);
  });
});

describe("load users from K6_USERS_FILE and the local inbox", () => {
  it("reads the users file in the init context, and refuses one that lists nobody before any request", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k6-users-"));
    try {
      const file = join(dir, "users.json");
      await writeFile(file, JSON.stringify({ users: [{ email: "a@b.example", password: "pw" }] }));
      await expect(loadScript("api.ts", { K6_USERS_FILE: file })).resolves.toBeDefined();
      await writeFile(file, JSON.stringify({ users: [] }));
      await expect(loadScript("api.ts", { K6_USERS_FILE: file })).rejects.toThrow(
        /K6_USERS_FILE .* lists no users/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps only well-formed entries of the users file, and only their e-mail and password", () => {
    const text = JSON.stringify({
      users: [{ email: "a@b.example", password: "pw", id: "x" }, { email: 5 }, null],
    });
    expect(parseUsersFile(text, "users.json")).toEqual([{ email: "a@b.example", password: "pw" }]);
  });

  it("finds the verification token in a mail's text", () => {
    const text =
      "Confirm your address:\nhttp://127.0.0.1:3000/verify-email?token=eyJhbGci.eyJlbWFpbCI6.c2ln-_x\n\nValid 24 hours.";
    expect(verificationTokenIn(text)).toBe("eyJhbGci.eyJlbWFpbCI6.c2ln-_x");
    expect(verificationTokenIn("Someone tried to register with your address.")).toBeUndefined();
  });
});

describe("Server-Timing parsing", () => {
  it("reads the verify duration wherever it sits in the header", () => {
    expect(serverTimingDuration("verify;dur=0.42", "verify")).toBe(0.42);
    expect(serverTimingDuration('db;dur=3, verify;desc="jwt";dur=1.5', "verify")).toBe(1.5);
    expect(serverTimingDuration("verify;dur=2", "verify")).toBe(2);
  });

  it("reports nothing when the metric or its duration is missing", () => {
    expect(serverTimingDuration(undefined, "verify")).toBeUndefined();
    expect(serverTimingDuration("db;dur=3", "verify")).toBeUndefined();
    expect(serverTimingDuration("verify", "verify")).toBeUndefined();
    expect(serverTimingDuration("verifying;dur=1", "verify")).toBeUndefined();
  });
});

describe("the fake k6 runtime keeps to k6's own shapes", () => {
  // Better Auth's session cookie, and the object a real k6 v1.8 printed for it (issue 14).
  const SESSION_COOKIE =
    "better-auth.session_token=abc.def; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax";

  it("gives a response cookie k6's snake_case fields and Go's zero time for a missing Expires", () => {
    expect(parseSetCookie(SESSION_COOKIE)).toEqual({
      name: "better-auth.session_token",
      value: "abc.def",
      domain: "",
      path: "/",
      http_only: true,
      secure: false,
      max_age: 604800,
      expires: -6795364578871,
    });
    expect(parseSetCookie(SESSION_COOKIE)).not.toHaveProperty("maxAge");
    expect(parseSetCookie("gone=; Max-Age=0")?.max_age).toBe(-1);
  });

  it("keeps a cookie in the jar until the server clears it, and Secure cookies off http://", () => {
    const jar = new CookieJar();
    const url = "http://127.0.0.1:3000/api/auth/token";
    const stored = (line: string) => {
      const cookie = parseSetCookie(line);
      if (cookie) jar.store(cookie);
    };
    stored(SESSION_COOKIE);
    stored("only-https=1; Secure");
    expect(jar.cookiesForURL(url)).toEqual({ "better-auth.session_token": ["abc.def"] });
    expect(jar.cookiesForURL("https://example.com/")).toHaveProperty("only-https");
    stored("better-auth.session_token=; Max-Age=0; Path=/");
    stored("only-https=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    expect(jar.cookiesForURL(url)).toEqual({});
  });
});

describe("request mix", () => {
  it("picks operations in proportion to their weights", () => {
    const total = OPERATIONS.reduce((sum, op) => sum + OPERATION_WEIGHTS[op], 0);
    const counts = new Map<string, number>();
    for (let step = 0; step < total; step++) {
      const op = pickOperation((step + 0.5) / total);
      counts.set(op, (counts.get(op) ?? 0) + 1);
    }
    for (const op of OPERATIONS) expect(counts.get(op)).toBe(OPERATION_WEIGHTS[op]);
  });

  it("creates a task before reading, editing or deleting one, and deletes when the pool is full", () => {
    expect(operationFor("read", 0)).toBe("create");
    expect(operationFor("update", 0)).toBe("create");
    expect(operationFor("delete", 0)).toBe("create");
    expect(operationFor("read", 1)).toBe("read");
    expect(operationFor("create", TASK_POOL_LIMIT)).toBe("delete");
    expect(operationFor("list", 0)).toBe("list");
  });
});
