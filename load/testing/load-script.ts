import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { type FakeK6Runtime, newFakeRuntime } from "./k6-fake/runtime";

/**
 * Evaluates a k6 script (load/<script>.ts) in Node on the fake k6 runtime of ./k6-fake: the script
 * and its helpers are bundled as k6 would load them, with every `k6…` import answered by the fake
 * module of the same name, and k6's init-context globals (`__ENV`, `open()`) provided.
 */
const LOAD_DIR = fileURLToPath(new URL("../", import.meta.url));
const FAKE_DIR = fileURLToPath(new URL("./k6-fake/", import.meta.url));

const FAKE_MODULES: Record<string, string> = {
  k6: "k6.ts",
  "k6/http": "http.ts",
  "k6/execution": "execution.ts",
  "k6/metrics": "metrics.ts",
  "k6/encoding": "encoding.ts",
  "k6/data": "data.ts",
};

const fakeK6: Plugin = {
  name: "fake-k6-runtime",
  setup(builder) {
    builder.onResolve({ filter: /^k6(\/|$)/ }, (args) => {
      const file = FAKE_MODULES[args.path];
      if (file === undefined) throw new Error(`the fake k6 runtime has no ${args.path}: add it`);
      return { path: `${FAKE_DIR}${file}` };
    });
  },
};

export interface K6Script {
  options: {
    scenarios: Record<string, Record<string, unknown>>;
    thresholds: Record<string, string[]>;
    summaryTrendStats?: string[];
  };
  handleSummary: (data: unknown) => Record<string, string>;
  setup?: () => unknown;
  teardown?: (data: unknown) => void;
  default?: (data: unknown) => void;
}

let loads = 0;

/**
 * Makes `runtime` the current fake runtime (a fresh one with `env` when none is given) and
 * evaluates the script's init context in it; returns the script's exports.
 */
export async function loadScript(
  script: string,
  env: Record<string, string> = {},
  runtime: FakeK6Runtime = newFakeRuntime(env),
): Promise<K6Script> {
  const bundle = await build({
    entryPoints: [`${LOAD_DIR}${script}`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "silent",
    plugins: [fakeK6],
    banner: {
      js: 'const __ENV = globalThis.__k6FakeRuntime.env; const open = (path) => process.getBuiltinModule("node:fs").readFileSync(path, "utf8");',
    },
  });
  const code = bundle.outputFiles[0]?.text ?? "";
  globalThis.__k6FakeRuntime = runtime;
  // A distinct URL per load, so each evaluation sees its own settings.
  const url = `data:text/javascript;base64,${Buffer.from(`${code}\n//${++loads}`).toString("base64")}`;
  return (await import(url)) as K6Script;
}
