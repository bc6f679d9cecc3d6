import { loadConfig } from "../shared/secrets";
import { tasksConfig } from "./config";
import { createTasksHandler } from "./create-handler";

/** The tasks API Lambda: its settings are parsed once per cold start. */
export const { handler } = await createTasksHandler(await loadConfig(tasksConfig, process.env));
