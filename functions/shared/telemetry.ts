import * as z from "zod/mini";
import {
  type ConfigOf,
  defineConfig,
  type Environment,
  environmentOf,
  optionalText,
  parseConfig,
  type Setting,
} from "./config";
import { configureLogging, LOG_LEVELS, type LogLevel } from "./log";
import { configureMetrics, DEFAULT_METRICS_NAMESPACE } from "./metrics";

/** INFO unless the stage says otherwise (stage setting LOG_LEVEL). */
export const DEFAULT_LOG_LEVEL: LogLevel = "INFO";

function logLevel(variable: string): Setting<LogLevel> {
  const schema = z.pipe(
    z.optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
    z.transform((value): LogLevel => value ?? DEFAULT_LOG_LEVEL),
  );
  return { variable, schema, format: (value) => value, secret: false };
}

/** What every function reads about its logs and metrics; infra sets it per stage. */
export const telemetryConfig = defineConfig("telemetry", {
  logLevel: logLevel("LOG_LEVEL"),
  /** AuthJwtBridge/<stack name> deployed, so each stage's metrics stay apart. */
  metricsNamespace: optionalText("METRICS_NAMESPACE"),
});

export type TelemetryConfig = ConfigOf<typeof telemetryConfig.settings>;

export function telemetryEnvironment(inputs: Partial<TelemetryConfig>): Record<string, string> {
  return environmentOf(telemetryConfig, inputs);
}

/** An entry's first line: the function's logs and metrics as its environment says. */
export function configureTelemetry(service: string, env: Environment): TelemetryConfig {
  const config = parseConfig(telemetryConfig, env);
  configureLogging({ service, level: config.logLevel });
  configureMetrics({ service, namespace: config.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE });
  return config;
}
