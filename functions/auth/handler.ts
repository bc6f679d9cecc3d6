import { loadConfig } from "../shared/secrets";
import { authConfig } from "./config";
import { createAuthHandler } from "./create-handler";

/** The auth Lambda: its settings are parsed once per cold start, before anything connects. */
export const { handler } = await createAuthHandler(await loadConfig(authConfig, process.env));
