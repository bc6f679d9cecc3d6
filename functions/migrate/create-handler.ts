import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../db/database";
import { MIGRATIONS_FOLDER, type MigrationResult, runMigrations } from "../db/migrate";
import { invocationTracker } from "../shared/invocation-scope";
import { errorMessage, log } from "../shared/log";
import { recordMetrics } from "../shared/metrics";
import { type MigrateConfig, migrateConfig } from "./config";

/**
 * The migrate Lambda for a config, invoked by SST's `Script` construct on every create and update
 * of the stack. Throwing makes the custom resource, and therefore the deploy, fail.
 *
 * Where the SQL comes from, first match wins:
 *  1. `migrationsDir`, when set (must exist);
 *  2. `migrations/` at the bundle root (`taskRoot`): infra copies
 *     functions/db/migrations there with `copyFiles: [{ from: "functions/db/migrations", to: "migrations" }]`;
 *  3. `migrations/` beside the bundled file, or functions/db/migrations when run from source.
 */
export async function createMigrateHandler(config: MigrateConfig) {
  const migrationsDir = resolveMigrationsDir(config.migrationsDir, config.taskRoot);
  const database = await openDatabase({ url: config.databaseUrl, maxConnections: 1 });

  const invocation = invocationTracker("migrate");

  const handler = (): Promise<MigrationResult> => invocation(undefined, migrateOnce);
  async function migrateOnce(): Promise<MigrationResult> {
    const started = performance.now();
    try {
      const result = await runMigrations(database.db, migrationsDir);
      log.info("migrations applied", {
        ...result,
        database: database.label,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      // The message names the failing statement; it carries no credentials (the URL is not in it).
      log.error("migrations failed", { database: database.label, error: errorMessage(error) });
      recordMetrics({ MigrationFailures: 1 });
      throw new Error("database migration failed");
    }
  }
  return { handler, close: database.close };
}

function resolveMigrationsDir(explicit: string | undefined, taskRoot: string | undefined): string {
  if (explicit) {
    if (!hasJournal(explicit)) {
      const { variable } = migrateConfig.settings.migrationsDir;
      throw new Error(`${variable} ${explicit} holds no drizzle migrations`);
    }
    return explicit;
  }
  const candidates = [taskRoot ? join(taskRoot, "migrations") : undefined, MIGRATIONS_FOLDER];
  const found = candidates.find((dir): dir is string => dir !== undefined && hasJournal(dir));
  if (!found)
    throw new Error(`no migrations found (looked in ${candidates.filter(Boolean).join(", ")})`);
  return found;
}

function hasJournal(dir: string): boolean {
  return existsSync(join(dir, "meta", "_journal.json"));
}
