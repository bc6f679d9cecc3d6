import { fileURLToPath } from "node:url";
import { vi } from "vitest";

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
