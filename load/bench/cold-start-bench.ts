import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Metafile } from "esbuild";
import { FUNCTION_ENTRIES, LAMBDA_CODE_SPLITTING } from "../../infra/function-settings";
import { LAMBDA_ESBUILD_OPTIONS } from "../../infra/lambda-bundling";

/**
 * 4. Cold start: every Lambda entry bundled as SST bundles it for this stack (esbuild, ESM with
 *    SST's require/__dirname banner, minified, keepNames, linked source map, platform node, and
 *    the stack's LAMBDA_ESBUILD_OPTIONS),
 *    then, in a fresh `node` process per run with only the function's own environment: the time
 *    to import the bundle and the time of its first invocation on a real event. Runs once as
 *    deployed (NODE_OPTIONS=--enable-source-maps, set by infra/app-stack.ts) and once without.
 */
export type FunctionName = keyof typeof FUNCTION_ENTRIES;

export interface ColdStartPlan {
  /** The function's environment (its settings, as Lambda would receive them). */
  env: Record<string, string>;
  /** The event of the first invocation. */
  event: unknown;
  /** Whether the first invocation's answer is the expected one. */
  succeeded: (answer: unknown) => boolean;
}

export interface ColdStartResult {
  name: FunctionName;
  /** The entry and the chunks it imports statically (a split function's lazy chunks excluded). */
  bundleBytes: number;
  /** Median over the runs, with source maps enabled as deployed. */
  importMs: number;
  firstInvocationMs: number;
  /** Median CPU time of the import (all threads), with source maps. */
  importCpuMs: number;
  /** Median import time without --enable-source-maps. */
  importMsWithoutSourceMaps: number;
  runs: number;
}

const REPOSITORY_ROOT = resolve(import.meta.dirname, "../..");

/** SST v2's banner for ESM bundles (sst/runtime/handlers/node.js): require and __dirname work. */
const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  "const require = topLevelCreateRequire(import.meta.url);",
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

/** Runs in the fresh process: import, one invocation, one result line. Plain JS, no loader. */
const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
const mod = await import(process.env.BENCH_BUNDLE_URL);
const imported = performance.now();
const { user, system } = process.cpuUsage(cpu);
const answer = process.env.BENCH_IMPORT_ONLY ? null : await mod.handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: "bench", getRemainingTimeInMillis: () => 30000 });
const invoked = performance.now();
process.stdout.write("BENCH_RESULT " + JSON.stringify({ importMs: imported - started, importCpuMs: (user + system) / 1000, firstInvocationMs: invoked - imported, answer, nodeVersion: process.version }) + "\\n");
process.exit(0);
`;

const run = promisify(execFile);

/** SST bundles with its own esbuild (0.18, older than the project's): the bench uses that one. */
const sstRequire = createRequire(createRequire(import.meta.url).resolve("sst/package.json"));
const { build } = sstRequire("esbuild") as typeof import("esbuild");

export async function bundleFunction(
  name: FunctionName,
  outDir: string,
  // Only the import profile turns minification off, to map V8's per-line ticks to sources.
  { minify = true }: { minify?: boolean } = {},
): Promise<BundledFunction> {
  // A split function gets a folder of its own: its entry and its lazily loaded chunks.
  const splitting = LAMBDA_CODE_SPLITTING.includes(name);
  const dir = splitting ? join(outDir, name) : outDir;
  await mkdir(dir, { recursive: true });
  const file = join(dir, splitting ? "handler.mjs" : `${name}.mjs`);
  const { metafile } = await build({
    entryPoints: [resolve(REPOSITORY_ROOT, FUNCTION_ENTRIES[name])],
    ...(splitting
      ? { splitting, outdir: dir, outExtension: { ".js": ".mjs" } }
      : { outfile: file }),
    // SST v2's own options for an ESM function (sst/runtime/handlers/node.js), then the stack's.
    bundle: true,
    platform: "node",
    format: "esm",
    // SST's "esnext" target is replaced by the stack's runtime major (LAMBDA_ESBUILD_OPTIONS).
    mainFields: ["module", "main"],
    banner: { js: SST_ESM_BANNER },
    keepNames: true,
    minify,
    sourcemap: true,
    logLevel: "silent",
    metafile: true,
    ...LAMBDA_ESBUILD_OPTIONS,
    external: ["sharp", "pg-native", ...LAMBDA_ESBUILD_OPTIONS.external],
  });
  const loaded = coldLoadedOutputs(metafile, file);
  const bytesByOwner = new Map<string, number>();
  for (const output of loaded) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = ownerOf(input);
      bytesByOwner.set(owner, (bytesByOwner.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return { file, bytes: loaded.reduce((sum, output) => sum + output.bytes, 0), bytesByOwner };
}

export interface BundledFunction {
  /** The entry file. */
  file: string;
  /** The entry and the chunks it imports statically: what a cold start loads. */
  bytes: number;
  /** Of those bytes, how many each package or project folder contributes (before the banner). */
  bytesByOwner: Map<string, number>;
}

/** `node_modules/@scope/name/…` → `@scope/name`; `…/functions/tasks/app.ts` → `functions/tasks`. */
export function ownerOf(source: string): string {
  // drizzle-orm publishes source maps whose sources sit one folder above the package (`../src/…`).
  if (/node_modules\/src\//.test(source)) return "drizzle-orm";
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg?.[1]) return pkg[1];
  const own = /(?:^|\/)(functions\/[^/]+)\//.exec(source);
  if (own?.[1]) return own[1];
  if (source.startsWith("node:")) return "node internals";
  return source === "" ? "(unattributed)" : source;
}

/** The entry's output and that of every chunk it imports statically. */
function coldLoadedOutputs(metafile: Metafile, entry: string): Metafile["outputs"][string][] {
  const outputs = new Map(
    Object.entries(metafile.outputs).map(([path, output]) => [
      resolve(REPOSITORY_ROOT, path),
      output,
    ]),
  );
  const loaded = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const output = outputs.get(file);
    if (!output || loaded.has(file)) continue;
    loaded.add(file);
    for (const { path, kind } of output.imports) {
      if (kind === "import-statement") pending.push(resolve(REPOSITORY_ROOT, path));
    }
  }
  return [...loaded].flatMap((file) => outputs.get(file) ?? []);
}

export interface ProbeResult {
  importMs: number;
  /** CPU time of the process during the import, all threads: less sensitive to a busy machine. */
  importCpuMs: number;
  firstInvocationMs: number;
  answer: unknown;
  /** process.version of the Node.js that ran the bundle. */
  nodeVersion: string;
}

export interface ProbeOptions {
  /** As deployed: the functions run with NODE_OPTIONS=--enable-source-maps. */
  sourceMaps: boolean;
  /** The Node.js binary to run the bundle on; default the one running this process. */
  node?: string;
  /** Import only, no invocation (the answer is null). */
  importOnly?: boolean;
}

/** One cold start in a fresh process: import the bundle, invoke it once on the plan's event. */
export async function probe(
  file: string,
  plan: ColdStartPlan,
  { sourceMaps, node = process.execPath, importOnly = false }: ProbeOptions,
): Promise<ProbeResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    ...plan.env,
    BENCH_BUNDLE_URL: pathToFileURL(file).href,
    BENCH_EVENT: JSON.stringify(plan.event),
    ...(sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
    ...(importOnly ? { BENCH_IMPORT_ONLY: "1" } : {}),
  };
  const { stdout } = await run(node, ["--input-type=module", "-e", PROBE], {
    env,
    cwd: REPOSITORY_ROOT,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
  if (!line) throw new Error(`cold start probe printed no result:\n${stdout.slice(-2_000)}`);
  return JSON.parse(line.slice("BENCH_RESULT ".length)) as ProbeResult;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

export async function benchColdStart(
  name: FunctionName,
  plan: ColdStartPlan,
  options: { outDir: string; runs: number; node?: string },
): Promise<ColdStartResult> {
  const { file, bytes } = await bundleFunction(name, options.outDir);
  const deployed: ProbeResult[] = [];
  const plain: ProbeResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    deployed.push(await probe(file, plan, { sourceMaps: true, node: options.node }));
    plain.push(await probe(file, plan, { sourceMaps: false, node: options.node }));
  }
  for (const result of [...deployed, ...plain]) {
    if (!plan.succeeded(result.answer)) {
      throw new Error(
        `${name}: the first invocation answered ${JSON.stringify(result.answer).slice(0, 300)}`,
      );
    }
  }
  return {
    name,
    bundleBytes: bytes,
    importMs: median(deployed.map((r) => r.importMs)),
    importCpuMs: median(deployed.map((r) => r.importCpuMs)),
    firstInvocationMs: median(deployed.map((r) => r.firstInvocationMs)),
    importMsWithoutSourceMaps: median(plain.map((r) => r.importMs)),
    runs: options.runs,
  };
}
