import { loadConfig } from "../shared/secrets";
import { configureTelemetry } from "../shared/telemetry";
import { tasksConfig } from "./config";
import { createTasksHandler } from "./create-handler";

/** The tasks API Lambda: its settings are parsed once per cold start. */
configureTelemetry("api", process.env);
export const { handler } = await createTasksHandler(await loadConfig(tasksConfig, process.env));
