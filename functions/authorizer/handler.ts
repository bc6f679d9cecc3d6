import { parseConfig } from "../shared/config";
import { configureTelemetry } from "../shared/telemetry";
import { authorizerConfig } from "./config";
import { createAuthorizerHandler } from "./create-handler";

/**
 * Lambda entry: API Gateway HTTP API REQUEST authorizer (payload 2.0, simple responses).
 * Settings are parsed once per cold start; it has no secrets, so SST's config is never loaded.
 */
configureTelemetry("authorizer", process.env);
export const handler = createAuthorizerHandler(parseConfig(authorizerConfig, process.env));
