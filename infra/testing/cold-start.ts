import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import type { Environment, FunctionConfig, Settings } from "../../functions/shared/config";

let coldStarts = 0;

/**
 * Evaluates a Lambda entry afresh with `env` stubbed, as a cold start would. Only the entry is a
 * new module instance (a distinct query), so it shares every module it imports with the test, and
 * with it the process's named in-memory PGlite databases. The caller unstubs the environment.
 */
export async function coldStart<Entry>(
  entry: URL,
  env: Record<string, string | undefined>,
): Promise<Entry> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  coldStarts += 1;
  const specifier = `${fileURLToPath(entry)}?cold-start=${coldStarts}`;
  return (await import(/* @vite-ignore */ specifier)) as Entry;
}

/**
 * A cold start with exactly the variables `config` declares: each set as `env` gives it, or
 * unset, so nothing from the test process leaks into the function's settings.
 */
export function coldStartWith<Entry>(
  entry: URL,
  config: FunctionConfig<Settings>,
  env: Environment,
): Promise<Entry> {
  const declared = Object.values(config.settings).map(({ variable }) => [variable, env[variable]]);
  return coldStart<Entry>(entry, Object.fromEntries(declared));
}
