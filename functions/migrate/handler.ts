import { loadConfig } from "../shared/secrets";
import { configureTelemetry } from "../shared/telemetry";
import { migrateConfig } from "./config";
import { createMigrateHandler } from "./create-handler";

/** The migrate Lambda: its settings are parsed, and the SQL found, once per cold start. */
configureTelemetry("migrate", process.env);
export const { handler } = await createMigrateHandler(await loadConfig(migrateConfig, process.env));
