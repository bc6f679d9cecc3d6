import { loadConfig } from "../shared/secrets";
import { configureTelemetry } from "../shared/telemetry";
import { authConfig } from "./config";
import { createAuthHandler } from "./create-handler";

/** The auth Lambda: its settings are parsed once per cold start, before anything connects. */
configureTelemetry("auth", process.env);
export const { handler } = await createAuthHandler(await loadConfig(authConfig, process.env));
