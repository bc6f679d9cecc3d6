import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { bundleFunction, type ColdStartPlan, type FunctionName, ownerOf } from "./cold-start-bench";

/**
 * Where a cold import's time goes: the function bundled as production bundles it but not minified
 * (so each statement keeps a line of its own and V8's per-line ticks can be mapped back through
 * the source map), imported once in a fresh process under `--cpu-prof`, every sample's self time
 * charged to the package (or project folder) whose source it executes. Node's own module loading
 * and the compiler show as node internals and "(program)".
 */
export interface ImportProfile {
  name: FunctionName;
  /** Wall time of the import inside the profiled process (the profiler adds some). */
  importMs: number;
  /** Sampled self time per package or project folder, largest first. */
  shares: { owner: string; ms: number }[];
}

const PROFILE_PROBE = `
const started = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
process.stdout.write("BENCH_RESULT " + JSON.stringify({ importMs: performance.now() - started }) + "\\n");
process.exit(0);
`;

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  positionTicks?: { line: number; ticks: number }[];
}

/** One emitted file of a bundle (the entry or a chunk), its lines and its source map. */
export interface BundleFile {
  url: string;
  lines: string[];
  map: SourceMap;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

const run = promisify(execFile);

/** Self time in ms per owner, from a profile and the bundle it ran (with its source map). */
export function attribute(
  profile: CpuProfile,
  bundleFile: (url: string) => BundleFile | undefined,
): Map<string, number> {
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const lineOwners = new Map<string, string>();
  const ownerOfBundleLine = (bundle: BundleFile, line: number): string => {
    const key = `${bundle.url}:${line}`;
    let owner = lineOwners.get(key);
    if (owner === undefined) {
      const text = bundle.lines[line - 1] ?? "";
      const column = text.length - text.trimStart().length;
      const entry = bundle.map.findEntry(line - 1, column);
      owner = "originalSource" in entry ? ownerOf(entry.originalSource) : "(bundle glue)";
      lineOwners.set(key, owner);
    }
    return owner;
  };
  // Node's own frames (module loading, natives) are charged to the code that called them.
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node);
  }
  const ownOwner = (node: ProfileNode): string | undefined => {
    const { url, lineNumber } = node.callFrame;
    const bundle = bundleFile(url);
    if (bundle) return ownerOfBundleLine(bundle, lineNumber + 1);
    return url.includes("node_modules/") ? ownerOf(url) : undefined;
  };
  const callerOwner = (node: ProfileNode): string => {
    for (let at = parents.get(node.id); at; at = parents.get(at.id)) {
      const owner = ownOwner(at);
      if (owner) return owner;
    }
    const { url, functionName } = node.callFrame;
    return url.startsWith("node:") ? "node: module loading and bootstrap" : functionName;
  };
  const shares = new Map<string, number>();
  const charge = (owner: string, micros: number) =>
    shares.set(owner, (shares.get(owner) ?? 0) + micros / 1000);
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const bundle = bundleFile(node.callFrame.url);
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((sum, tick) => sum + tick.ticks, 0);
    if (bundle && total > 0) {
      for (const tick of ticks) {
        charge(ownerOfBundleLine(bundle, tick.line), (micros * tick.ticks) / total);
      }
      continue;
    }
    charge(ownOwner(node) ?? callerOwner(node), micros);
  }
  return shares;
}

/** One profiled cold import of a function, in a fresh process with the plan's environment. */
export async function profileColdImport(
  name: FunctionName,
  plan: ColdStartPlan,
  options: { outDir: string; node?: string },
): Promise<ImportProfile> {
  const { file } = await bundleFunction(name, options.outDir, { minify: false });
  const profileDir = await mkdtemp(join(tmpdir(), "cold-start-profile-"));
  try {
    const url = pathToFileURL(file).href;
    const { stdout } = await run(
      options.node ?? process.execPath,
      [
        "--cpu-prof",
        `--cpu-prof-dir=${profileDir}`,
        "--cpu-prof-interval=100",
        "--input-type=module",
        "-e",
        PROFILE_PROBE,
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          ...plan.env,
          BENCH_BUNDLE_URL: url,
          // As deployed: reading the source map is part of the cold start.
          NODE_OPTIONS: "--enable-source-maps",
        },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const line = stdout.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
    if (!line) throw new Error(`profile probe printed no result:\n${stdout.slice(-2_000)}`);
    const { importMs } = JSON.parse(line.slice("BENCH_RESULT ".length)) as { importMs: number };
    const [profileFile] = await readdir(profileDir);
    if (!profileFile) throw new Error("node --cpu-prof wrote no profile");
    const profile = JSON.parse(await readFile(join(profileDir, profileFile), "utf8")) as CpuProfile;
    const files = new Map<string, BundleFile>();
    const dir = dirname(file);
    for (const emitted of await readdir(dir)) {
      if (!emitted.endsWith(".mjs")) continue;
      const path = join(dir, emitted);
      const payload = JSON.parse(await readFile(`${path}.map`, "utf8")) as SourceMapPayload;
      files.set(pathToFileURL(path).href, {
        url: pathToFileURL(path).href,
        lines: (await readFile(path, "utf8")).split("\n"),
        map: new SourceMap(payload),
      });
    }
    const shares = attribute(profile, (at) => files.get(at));
    return {
      name,
      importMs,
      shares: [...shares].map(([owner, ms]) => ({ owner, ms })).sort((a, b) => b.ms - a.ms),
    };
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
}
