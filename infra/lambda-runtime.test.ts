import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthFixture, startAuthFixture } from "../load/bench/auth-fixture";
import { bundleFunction, type FunctionName, probe } from "../load/bench/cold-start-bench";
import { coldStartPlans } from "../load/bench/cold-start-plans";
import { FUNCTION_ENTRIES, LAMBDA_NODE_MAJOR, LAMBDA_RUNTIME } from "./function-settings";
import { createTestDatabase, ENGINES, type TestDatabase } from "./testing/database";

/**
 * The deployed artifact on its runtime: each function bundled as SST bundles it, run in a fresh
 * process of the Lambda runtime's Node.js major on a real first event, against PostgreSQL. CI
 * gives that Node.js in LAMBDA_NODE (.ci/lambda-node fetches it from the npm registry); without
 * it the bundles run on this process's Node.js, which still proves they answer.
 */
const given = process.env.LAMBDA_NODE;
const currentMajor = Number(process.versions.node.split(".")[0]);
const node = given || process.execPath;
const onRuntimeMajor = Boolean(given) || currentMajor === LAMBDA_NODE_MAJOR;

if (process.env.CI === "true" && !onRuntimeMajor) {
  throw new Error(
    `CI=true: set LAMBDA_NODE to a Node.js ${LAMBDA_NODE_MAJOR} (see .ci/lambda-node)`,
  );
}

/** Bundles run in their own processes, so only a PostgreSQL server serves the ones with a database. */
const withServer = ENGINES.includes("postgres");
const NAMES = (Object.keys(FUNCTION_ENTRIES) as FunctionName[]).filter(
  (name) => withServer || name === "authorizer",
);
const where = onRuntimeMajor ? `Node.js ${LAMBDA_NODE_MAJOR}` : `this Node.js ${process.version}`;

describe(`every Lambda bundle answers a real event on ${where} (${LAMBDA_RUNTIME})`, () => {
  let fixture: AuthFixture;
  let database: TestDatabase | undefined;
  let outDir: string;
  let plans: Awaited<ReturnType<typeof coldStartPlans>>;

  beforeAll(async () => {
    fixture = await startAuthFixture();
    if (withServer) database = await createTestDatabase("postgres");
    plans = await coldStartPlans(fixture, database?.url);
    // Inside the repository: the SDK clients the runtime ships resolve from node_modules here.
    outDir = resolve(import.meta.dirname, "../.build", `lambda-runtime-${randomUUID()}`);
  });

  afterAll(async () => {
    await database?.dispose();
    await fixture?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it.each(NAMES)("%s", async (name) => {
    const plan = plans.get(name);
    if (!plan) throw new Error(`no first event for ${name}`);
    const { file } = await bundleFunction(name, outDir);

    const result = await probe(file, plan, { sourceMaps: true, node });

    if (onRuntimeMajor) expect(result.nodeVersion).toMatch(new RegExp(`^v${LAMBDA_NODE_MAJOR}\\.`));
    expect(plan.succeeded(result.answer), JSON.stringify(result.answer).slice(0, 300)).toBe(true);
  });
});
