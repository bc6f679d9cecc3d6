/**
 * `npm run bench`: latency benchmarks that print numbers instead of asserting them. Everything
 * runs on this machine and only talks to 127.0.0.1. Sections:
 *   1. token verification (verifyAccessToken) beside the raw node:crypto Ed25519 floor
 *   2. the authorizer Lambda entry on a real event
 *   3. the API under open-loop load on PostgreSQL beside a SELECT 1 floor on the same gateway,
 *      and (3a) the session check's cost: each task statement beside its form without the check
 *   4. cold start of every bundled function: import, first invocation, bundle size
 *   5. statements and rows written per request (load/bench/request-cost-bench.ts)
 *   6. with --throughput: the highest API-mix rate the local stack sustains with p99 < 100 ms, on
 *      PGlite and on PostgreSQL, beside a bare node:http server running SELECT 1 (the floor)
 *   7. load/verify.ts's load beside load/api.ts's, each at its default rate, on the local stack
 *      with its embedded PGlite: the verify_ms k6 would record (load/bench/verify-beside-api-bench.ts)
 * Settings (environment): BENCH_VERIFY_ITERATIONS, BENCH_HANDLER_ITERATIONS, BENCH_RATE,
 * BENCH_DURATION, BENCH_WARMUP, BENCH_USERS, BENCH_SESSION_ITERATIONS, BENCH_COLD_RUNS, and DATABASE_URL (a PostgreSQL on
 * this machine; default: a fresh database on 127.0.0.1:5432, dropped afterwards).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { isLoopbackHost } from "../../functions/db/local-websocket-pipe";
import { createTestDatabase, ENGINES } from "../../infra/testing/database";
import { type ApiLoadResult, benchApiLoad } from "./api-load-bench";
import { startAuthFixture } from "./auth-fixture";
import { benchColdStart, type ColdStartResult } from "./cold-start-bench";
import { coldStartPlans } from "./cold-start-plans";
import {
  benchRequestCosts,
  type RequestCostResult,
  requestCostSection,
} from "./request-cost-bench";
import {
  benchSessionCheck,
  SESSION_CHECK_OPERATIONS,
  type SessionCheckResult,
} from "./session-check-bench";
import { bytes, ms, ratio, table, verdict } from "./stats";
import { benchThroughput, type ThroughputResult } from "./throughput-bench";
import {
  benchAuthorizerHandler,
  benchVerify,
  type HandlerBenchResult,
  type VerifyBenchResult,
} from "./verify-bench";
import { benchVerifyBesideApi, type VerifyBesideApiResult } from "./verify-beside-api-bench";

const REPOSITORY_ROOT = resolve(import.meta.dirname, "../..");
/** `npm run bench -- --throughput` adds section 5 (a few minutes more). */
const THROUGHPUT = process.argv.includes("--throughput");
/** The bench must finish inside this bound; the watchdog stops it a little before. */
const TIME_BOUND_MS = (THROUGHPUT ? 20 : 5) * 60 * 1000;

const TARGETS = {
  verifyP99Ms: 0.5,
  verifyFloorRatio: 2,
  apiP99Ms: 50,
  apiFloorRatio: 3,
  authorizerColdImportMs: 60,
  /** load/verify.ts's threshold: verify_ms p(99) < 5. */
  verifyBesideApiP99Ms: 5,
};

function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const settings = {
  verifyIterations: setting("BENCH_VERIFY_ITERATIONS", 20_000, 1_000, 200_000),
  handlerIterations: setting("BENCH_HANDLER_ITERATIONS", 10_000, 1_000, 200_000),
  rate: setting("BENCH_RATE", 50, 1, 1_000),
  durationSeconds: setting("BENCH_DURATION", 20, 2, 90),
  warmupSeconds: setting("BENCH_WARMUP", 3, 1, 30),
  users: setting("BENCH_USERS", 20, 1, 200),
  sessionIterations: setting("BENCH_SESSION_ITERATIONS", 400, 50, 10_000),
  coldRuns: setting("BENCH_COLD_RUNS", 3, 1, 10),
  throughputStepSeconds: setting("BENCH_THROUGHPUT_STEP", 5, 2, 30),
  /** load/verify.ts's and load/api.ts's default rates. */
  k6VerifyRate: setting("BENCH_K6_VERIFY_RATE", 20, 1, 200),
  k6ApiRate: setting("BENCH_K6_API_RATE", 40, 1, 400),
};

interface Database {
  url: string;
  label: string;
  dispose(): Promise<void>;
}

/** DATABASE_URL if given (loopback only), else a fresh database on the machine's server. */
async function benchDatabase(): Promise<Database | string> {
  const given = process.env.DATABASE_URL;
  if (given) {
    if (!/^postgres(ql)?:\/\//.test(given)) return "DATABASE_URL is not a postgres:// URL";
    const { hostname, port, pathname } = new URL(given);
    if (!isLoopbackHost(hostname)) return "DATABASE_URL must point at this machine (127.0.0.1)";
    return { url: given, label: `${hostname}:${port || 5432}${pathname}`, dispose: async () => {} };
  }
  if (!ENGINES.includes("postgres")) {
    return "no PostgreSQL on 127.0.0.1:5432 (start one, or set DATABASE_URL)";
  }
  const database = await createTestDatabase("postgres");
  return { url: database.url, label: `fresh ${database.label}`, dispose: () => database.dispose() };
}

interface Report {
  startedAt: string;
  finishedAt?: string;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd?: number[];
  };
  settings: typeof settings;
  targets: typeof TARGETS;
  verify?: VerifyBenchResult;
  authorizerHandler?: HandlerBenchResult;
  apiLoad?: ApiLoadResult;
  apiLoadSkipped?: string;
  sessionCheck?: SessionCheckResult;
  coldStart: ColdStartResult[];
  coldStartSkipped?: string;
  requestCosts?: RequestCostResult;
  throughput?: ThroughputResult;
  verifyBesideApi?: VerifyBesideApiResult;
}

function printReport(report: Report): void {
  const out: string[] = [];
  const load = (values: number[] | undefined) => (values ?? []).map((v) => v.toFixed(2)).join(" ");
  out.push(
    "",
    `npm run bench — ${report.startedAt}`,
    `Node ${report.machine.node}, ${report.machine.cpus} × ${report.machine.cpuModel}; load average ${load(report.machine.loadAverageAtStart)} at start, ${load(report.machine.loadAverageAtEnd)} at end`,
  );
  const { verify, authorizerHandler: handler, apiLoad, coldStart } = report;
  if (verify) {
    const p50Ratio = verify.verify.p50 / verify.floor.p50;
    const p99Ratio = verify.verify.p99 / verify.floor.p99;
    out.push(
      "",
      `1. Token verification, warm (${verify.iterations} iterations each, alternating blocks)`,
    );
    out.push(
      table(
        ["", "p50", "p95", "p99", "target"],
        [
          ...verify.steps.map((step, index) => [
            step.name,
            ms(step.summary.p50),
            ms(step.summary.p95),
            ms(step.summary.p99),
            index === verify.steps.length - 1
              ? `p99 ≤ ${TARGETS.verifyP99Ms} ms: ${verdict(verify.verify.p99 <= TARGETS.verifyP99Ms)}`
              : "",
          ]),
          [
            "ratio verify / floor",
            ratio(p50Ratio),
            ratio(verify.verify.p95 / verify.floor.p95),
            ratio(p99Ratio),
            `p99 ≤ ${TARGETS.verifyFloorRatio}×: ${verdict(p99Ratio <= TARGETS.verifyFloorRatio)}`,
          ],
        ],
      ),
    );
  }
  if (handler) {
    out.push(
      "",
      `2. Authorizer Lambda handler, real event (${handler.iterations} warm invocations)`,
    );
    out.push(
      table(
        ["", "p50", "p95", "p99", "note"],
        [
          [
            "handler invocation",
            ms(handler.handler.p50),
            ms(handler.handler.p95),
            ms(handler.handler.p99),
            `first invocation (loads the JWKS over HTTP): ${ms(handler.firstInvocationMs)}`,
          ],
          [
            "verifyMs it reports (Server-Timing)",
            ms(handler.reportedVerify.p50),
            ms(handler.reportedVerify.p95),
            ms(handler.reportedVerify.p99),
            "",
          ],
        ],
      ),
    );
  }
  if (apiLoad) {
    const { api, floor } = apiLoad;
    const p99Ratio = api.overall.p99 / floor.overall.p99;
    out.push(
      "",
      `3. API under open-loop load: ${apiLoad.rate} req/s, ${apiLoad.durationSeconds} s per side, ${apiLoad.users} users, ${apiLoad.databaseLabel}`,
    );
    const row = (name: string, side: typeof api, label?: string): string[] => {
      const summary = label ? side.byLabel[label] : side.overall;
      return [
        name,
        String(summary?.count ?? 0),
        ms(summary?.p50 ?? Number.NaN),
        ms(summary?.p95 ?? Number.NaN),
        ms(summary?.p99 ?? Number.NaN),
      ];
    };
    out.push(
      table(
        ["", "requests", "p50", "p95", "p99", "errors", "achieved", "target"],
        [
          [
            ...row("API mix (load/api.ts)", api),
            String(api.errors),
            `${api.achievedRate.toFixed(1)}/s`,
            `p99 ≤ ${TARGETS.apiP99Ms} ms: ${verdict(api.overall.p99 <= TARGETS.apiP99Ms)}`,
          ],
          ...Object.keys(api.byLabel).map((label) => [
            ...row(`  ${label}`, api, label),
            "",
            "",
            "",
          ]),
          [
            ...row("floor: SELECT 1 route", floor),
            String(floor.errors),
            `${floor.achievedRate.toFixed(1)}/s`,
            "",
          ],
          [
            "ratio API / floor",
            "",
            ratio(api.overall.p50 / floor.overall.p50),
            ratio(api.overall.p95 / floor.overall.p95),
            ratio(p99Ratio),
            "",
            "",
            `p99 ≤ ${TARGETS.apiFloorRatio}×: ${verdict(p99Ratio <= TARGETS.apiFloorRatio)}`,
          ],
        ],
      ),
    );
  } else if (report.apiLoadSkipped) {
    out.push("", `3. API under load: skipped (${report.apiLoadSkipped})`);
  }
  if (report.sessionCheck) out.push(...sessionCheckSection(report.sessionCheck));
  if (coldStart.length > 0) {
    out.push(
      "",
      `4. Cold start: SST-style ESM bundles, fresh process each (median of ${report.settings.coldRuns})`,
    );
    out.push(
      table(
        ["function", "bundle", "import", "first invocation", "import w/o source maps", "target"],
        coldStart.map((result) => [
          result.name,
          bytes(result.bundleBytes),
          ms(result.importMs),
          ms(result.firstInvocationMs),
          ms(result.importMsWithoutSourceMaps),
          result.name === "authorizer"
            ? `import ≤ ${TARGETS.authorizerColdImportMs} ms: ${verdict(result.importMs <= TARGETS.authorizerColdImportMs)}`
            : "",
        ]),
      ),
    );
  }
  if (report.coldStartSkipped) out.push(`   (${report.coldStartSkipped})`);
  if (report.requestCosts) out.push(...requestCostSection(report.requestCosts));
  if (report.throughput) out.push(...throughputSection(report.throughput));
  if (report.verifyBesideApi) out.push(...verifyBesideApiSection(report.verifyBesideApi));
  process.stdout.write(`${out.join("\n")}\n`);
}

function throughputSection(result: ThroughputResult): string[] {
  const rows: string[][] = [];
  const floorOf = new Map<string, number>();
  for (const target of result.targets)
    if (target.name.startsWith("floor")) floorOf.set(target.databaseLabel, target.best);
  for (const target of result.targets) {
    const atBest = target.steps.find((step) => step.rate === target.best && step.sustained);
    const floor = floorOf.get(target.databaseLabel);
    rows.push([
      target.name,
      target.databaseLabel,
      `${target.capped ? "≥ " : ""}${target.best} req/s`,
      atBest ? ms(atBest.p99) : "n/a",
      target.steps.map((step) => `${step.rate}${step.sustained ? "✓" : "✗"}`).join(" "),
      target.name.startsWith("floor") || !floor ? "" : ratio(target.best / floor),
    ]);
  }
  return [
    "",
    `6. Throughput: highest rate held with p99 < ${result.p99LimitMs} ms, no errors, ≥ 90% delivered (${result.stepSeconds} s steps: doubling from 25/s, then bisection)`,
    table(["target", "database", "highest held", "p99 there", "steps (✓ held)", "of floor"], rows),
  ];
}

function verifyBesideApiSection(result: VerifyBesideApiResult): string[] {
  const { verifyMs, verifyRequestMs, api } = result;
  const target = TARGETS.verifyBesideApiP99Ms;
  return [
    "",
    `7. k6 verify.ts beside api.ts on ${result.databaseLabel}: verify ${result.verifyRate}/s with fresh tokens, api mix ${result.apiRate}/s, ${result.durationSeconds} s`,
    table(
      ["measure", "count", "p50", "p95", "p99", "max", "errors", "target"],
      [
        [
          "verify_ms (authorizer)",
          String(verifyMs.count),
          ms(verifyMs.p50),
          ms(verifyMs.p95),
          ms(verifyMs.p99),
          ms(verifyMs.max),
          String(result.verifyErrors),
          `p99 < ${target} ms: ${verdict(verifyMs.p99 < target)}`,
        ],
        [
          "verify request",
          String(verifyRequestMs.count),
          ms(verifyRequestMs.p50),
          ms(verifyRequestMs.p95),
          ms(verifyRequestMs.p99),
          ms(verifyRequestMs.max),
          "",
          "",
        ],
        [
          "api mix",
          String(api.overall.count),
          ms(api.overall.p50),
          ms(api.overall.p95),
          ms(api.overall.p99),
          ms(api.overall.max),
          String(api.errors),
          "",
        ],
      ],
    ),
  ];
}

function sessionCheckSection(result: SessionCheckResult): string[] {
  const rows = SESSION_CHECK_OPERATIONS.map((operation) => {
    const { checked, unchecked } = result.operations[operation];
    return [
      operation,
      ms(unchecked.p50),
      ms(checked.p50),
      ratio(checked.p50 / unchecked.p50),
      ms(unchecked.p99),
      ms(checked.p99),
      ratio(checked.p99 / unchecked.p99),
    ];
  });
  return [
    "",
    `3a. Session check (caller_session CTE), one statement each: ${result.iterations} per side and operation, alternating blocks, same pool, ${result.users} users × ${result.tasksPerUser} tasks`,
    table(
      [
        "statement",
        "p50 before",
        "p50 checked",
        "p50 ratio",
        "p99 before",
        "p99 checked",
        "p99 ratio",
      ],
      rows,
    ),
  ];
}

/**
 * Sections 1, 2 and 5 run functions in this process; they write their JSON log and EMF lines
 * through the console, as in Lambda (the cost stays in the figures). The report goes to stdout
 * directly, so those lines go to BENCH_STACK_LOG when it names a file and nowhere otherwise.
 */
function divertFunctionOutput(): void {
  const file = process.env.BENCH_STACK_LOG;
  const sink = file ? createWriteStream(`${file}.bench`, { flags: "a" }) : undefined;
  const write = (...args: unknown[]) => sink?.write(`${args.map(String).join(" ")}\n`);
  for (const level of ["log", "info", "warn", "error", "debug"] as const) console[level] = write;
}

async function main(): Promise<void> {
  divertFunctionOutput();
  const started = Date.now();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over its ${TIME_BOUND_MS / 60_000}-minute bound, stopping\n`);
    process.exit(2);
  }, TIME_BOUND_MS - 10_000);
  watchdog.unref();

  const report: Report = {
    startedAt: new Date(started).toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      loadAverageAtStart: loadavg(),
    },
    settings,
    targets: TARGETS,
    coldStart: [],
  };
  const step = (text: string) =>
    process.stderr.write(`bench [${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);

  step("starting Better Auth on PGlite and minting a token");
  const fixture = await startAuthFixture();
  let database: Database | undefined;
  try {
    step("1. verifyAccessToken beside node:crypto");
    report.verify = await benchVerify(fixture, settings.verifyIterations);
    step("2. authorizer handler");
    report.authorizerHandler = await benchAuthorizerHandler(fixture, settings.handlerIterations);

    const found = await benchDatabase();
    if (typeof found === "string") {
      report.apiLoadSkipped = found;
      report.coldStartSkipped = `api, auth and migrate need PostgreSQL: ${found}`;
    } else {
      database = found;
      step(`3. API load on ${database.label} (${settings.rate} req/s)`);
      report.apiLoad = await benchApiLoad({ databaseUrl: database.url, ...settings });
      step(`3a. session check: each task statement with and without it`);
      report.sessionCheck = await benchSessionCheck({
        databaseUrl: database.url,
        iterations: settings.sessionIterations,
        users: settings.users,
        tasksPerUser: 25,
      });
    }

    const plans = await coldStartPlans(fixture, database?.url);
    const outDir = resolve(REPOSITORY_ROOT, ".build/bench");
    for (const [name, plan] of plans) {
      step(`4. cold start: ${name}`);
      report.coldStart.push(await benchColdStart(name, plan, { outDir, runs: settings.coldRuns }));
    }
    step("5. statements and rows written per request");
    report.requestCosts = await benchRequestCosts();
    if (THROUGHPUT) {
      const databases = [
        { url: `memory:bench-throughput-${randomBytes(4).toString("hex")}`, label: "PGlite" },
      ];
      if (database) databases.push({ url: database.url, label: database.label });
      step(`6. throughput on ${databases.map((d) => d.label).join(" and ")}`);
      report.throughput = await benchThroughput({
        databases,
        users: settings.users,
        stepSeconds: settings.throughputStepSeconds,
        warmupSeconds: settings.warmupSeconds,
        budgetPerTargetMs: 60_000,
        progress: (text) => step(`6. ${text}`),
      });
    }
    const verifyDatabase = `memory:bench-k6-${randomBytes(4).toString("hex")}`;
    step(`7. verify.ts's load beside api.ts's on the local stack (PGlite)`);
    report.verifyBesideApi = await benchVerifyBesideApi({
      databaseUrl: verifyDatabase,
      databaseLabel: "PGlite",
      verifyRate: settings.k6VerifyRate,
      verifyUsers: Math.max(30, settings.k6VerifyRate),
      apiRate: settings.k6ApiRate,
      apiUsers: settings.users,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
    });
  } finally {
    await database?.dispose();
    await fixture.close();
  }

  report.finishedAt = new Date().toISOString();
  report.machine.loadAverageAtEnd = loadavg();
  printReport(report);
  const resultsDir = resolve(REPOSITORY_ROOT, "bench-results");
  await mkdir(resultsDir, { recursive: true });
  const file = resolve(resultsDir, `bench-${report.startedAt.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nJSON: ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

await main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
