import { type ConfigOf, defineConfig, environmentOf, optionalText } from "../shared/config";
import { databaseUrl } from "../shared/settings";

/** The migrate Lambda's settings: where the SQL comes from, and the database it goes to. */
export const migrateConfig = defineConfig("migrate", {
  /** Overrides where the SQL comes from; it must hold drizzle migrations. */
  migrationsDir: optionalText("MIGRATIONS_DIR"),
  /** Set by the Lambda runtime: the bundle root, where infra copies the migrations. */
  taskRoot: optionalText("LAMBDA_TASK_ROOT"),
  databaseUrl,
});

export type MigrateConfig = ConfigOf<typeof migrateConfig.settings>;

/** Deployed the environment is empty: the runtime sets the task root, the database URL is a secret. */
export function migrateEnvironment(inputs: Partial<MigrateConfig> = {}): Record<string, string> {
  return environmentOf(migrateConfig, inputs);
}
