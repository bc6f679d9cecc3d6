/**
 * `npm run bench:cold`: where each function's cold start goes. For every bundled function: the
 * bytes a cold start loads per package (esbuild's metafile), the import's wall and CPU time as
 * deployed (median of BENCH_COLD_RUNS fresh processes, source maps on), and the import's CPU
 * profile charged to packages (BENCH_PROFILE_RUNS profiled imports, averaged). Runs the bundles on
 * BENCH_NODE (default LAMBDA_NODE, else this Node.js). Needs the PostgreSQL on 127.0.0.1:5432.
 */
import { resolve } from "node:path";
import { createTestDatabase } from "../../infra/testing/database";
import { startAuthFixture } from "./auth-fixture";
import {
  benchColdStart,
  bundleFunction,
  type ColdStartPlan,
  type FunctionName,
  median,
  probe,
} from "./cold-start-bench";
import { coldStartPlans } from "./cold-start-plans";
import { profileColdImport } from "./cold-start-profile";
import { bytes, ms, table } from "./stats";

const REPOSITORY_ROOT = resolve(import.meta.dirname, "../..");
const runs = Number(process.env.BENCH_COLD_RUNS || 5);
const profileRuns = Number(process.env.BENCH_PROFILE_RUNS || 3);
const node = process.env.BENCH_NODE || process.env.LAMBDA_NODE || process.execPath;
/**
 * A loopback DATABASE_URL makes the import start the local WebSocket pipe (and load ws for its
 * server), which a deployed function never does. Opening the pool connects nothing, so the import
 * alone runs as deployed on a remote host name that is never looked up.
 */
function asDeployed(plan: ColdStartPlan): ColdStartPlan {
  if (!plan.env.DATABASE_URL) return plan;
  return {
    ...plan,
    env: { ...plan.env, DATABASE_URL: "postgres://bench@db.example.invalid/neondb" },
  };
}

/** Owners under this share of a function's profile are summed into one row. */
const SMALL_SHARE = 0.02;

const fixture = await startAuthFixture();
const database = await createTestDatabase("postgres");
try {
  const plans = await coldStartPlans(fixture, database.url);
  const outDir = resolve(REPOSITORY_ROOT, ".build/cold-start-breakdown");
  const out: string[] = [`Cold-start breakdown on ${node}`];
  for (const [name, plan] of plans) {
    process.stderr.write(`cold start: ${name}\n`);
    const timed = await benchColdStart(name, plan, { outDir, runs, node });
    const { file, bytesByOwner } = await bundleFunction(name, outDir);
    const deployedPlan = asDeployed(plan);
    const deployed = [];
    for (let i = 0; i < runs; i++) {
      deployed.push(await probe(file, deployedPlan, { sourceMaps: true, node, importOnly: true }));
    }
    const profiled = new Map<string, number>();
    for (let i = 0; i < profileRuns; i++) {
      const profile = await profileColdImport(name as FunctionName, deployedPlan, { outDir, node });
      for (const { owner, ms: spent } of profile.shares) {
        profiled.set(owner, (profiled.get(owner) ?? 0) + spent / profileRuns);
      }
    }
    const total = [...profiled.values()].reduce((sum, spent) => sum + spent, 0);
    const owners = [...new Set([...bytesByOwner.keys(), ...profiled.keys()])];
    const large = owners.filter(
      (owner) =>
        (profiled.get(owner) ?? 0) >= total * SMALL_SHARE ||
        (bytesByOwner.get(owner) ?? 0) >= 10_240,
    );
    const small = owners.filter((owner) => !large.includes(owner));
    const row = (label: string, members: string[]) => {
      const spent = members.reduce((sum, owner) => sum + (profiled.get(owner) ?? 0), 0);
      const size = members.reduce((sum, owner) => sum + (bytesByOwner.get(owner) ?? 0), 0);
      return { label, spent, size };
    };
    const rows = [
      ...large.map((owner) => row(owner, [owner])),
      row(`${small.length} others`, small),
    ]
      .sort((a, b) => b.spent - a.spent)
      .map(({ label, spent, size }) => [
        label,
        size > 0 ? bytes(size) : "",
        ms(spent),
        `${((100 * spent) / total).toFixed(0)}%`,
      ]);
    out.push(
      "",
      `${name}: loads ${bytes(timed.bundleBytes)}; import ${ms(timed.importMs)} wall, ${ms(timed.importCpuMs)} CPU` +
        ` (median of ${runs}; ${ms(timed.importMsWithoutSourceMaps)} wall without source maps);` +
        ` first invocation ${ms(timed.firstInvocationMs)}`,
      `  import as deployed (no local pipe): ${ms(median(deployed.map((r) => r.importMs)))} wall,` +
        ` ${ms(median(deployed.map((r) => r.importCpuMs)))} CPU (median of ${runs})`,
      `  its profile (unminified bundle, ${profileRuns} imports averaged, ${ms(total)} sampled):`,
      table(["owner", "bytes loaded", "self time", "share"], rows),
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
} finally {
  await database.dispose();
  await fixture.close();
}
