import { type ConfigOf, defineConfig, environmentOf } from "../shared/config";
import { databaseUrl } from "../shared/settings";

/** The tasks API Lambda's settings: only its database. */
export const tasksConfig = defineConfig("tasks", { databaseUrl });

export type TasksConfig = ConfigOf<typeof tasksConfig.settings>;

/** Deployed the environment is empty (the database URL is a bound SST secret); locally it is given. */
export function tasksEnvironment(inputs: Partial<TasksConfig> = {}): Record<string, string> {
  return environmentOf(tasksConfig, inputs);
}
