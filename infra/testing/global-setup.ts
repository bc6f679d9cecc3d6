/**
 * Vitest global setup: probes the PostgreSQL server once per run (so an unreachable server is
 * reported in one line, not once per file) and passes the engines on to every test file.
 */
export default async function setup(): Promise<void> {
  const { ENGINES } = await import("./database");
  process.env.TEST_ENGINES = ENGINES.join(",");
}
