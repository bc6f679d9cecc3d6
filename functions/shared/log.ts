import { Console } from "node:console";
import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { currentInvocation } from "./invocation-scope";

/**
 * The one structured log format, Powertools Logger's: one JSON object per line,
 * `{ level, message, timestamp, service, cold_start, correlation_id, ...fields }`, where
 * `correlation_id` is API Gateway's request id. Callers never pass tokens, passwords, cookies,
 * e-mail addresses or bodies; whatever they pass is bounded (boundedLogLine).
 */
export type LogFields = Record<string, unknown>;

/** What a line about one request carries, under these names wherever a request ends. */
export type RequestFields = {
  /** API Gateway's request id (the local gateway mints one the same way): the correlation id. */
  requestId?: string;
  method: string;
  /** The API Gateway route key, e.g. "GET /api/tasks/{id}". */
  route?: string;
  /** The path without its query string. */
  path: string;
  status: number;
  durationMs: number;
};

export type Level = "debug" | "info" | "warn" | "error";

/** The levels a stage may set (LOG_LEVEL): everything at or above it is written. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields carry request-controlled text ("Invalid callbackURL: <2 MiB>"): bound them and lines. */
export const MAX_LOG_FIELD_CHARS = 1024;
export const MAX_LOG_LINE_BYTES = 4096;
/** What a line still says when its fields cannot fit even at the tighter string limit. */
const FALLBACK_FIELD_CHARS = 128;
const MAX_LOG_ENTRIES = 50;
const MAX_LOG_DEPTH = 4;
/** The keys a line that had to drop its fields keeps. */
const ESSENTIAL_KEYS = ["level", "message", "timestamp", "service", "correlation_id"];

/** At most `max` UTF-16 units, never half a surrogate pair, with a marker saying how much went. */
export function truncateForLog(text: string, max: number = MAX_LOG_FIELD_CHARS): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  const end = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…[truncated ${text.length - end} chars]`;
}

function bound(value: unknown, max: number, depth: number): unknown {
  if (typeof value === "string") return truncateForLog(value, max);
  if (value === null || typeof value !== "object") return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return bound(toJSON.call(value), max, depth);
  if (depth >= MAX_LOG_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) {
    return value.slice(0, MAX_LOG_ENTRIES).map((item) => bound(item, max, depth + 1));
  }
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, MAX_LOG_ENTRIES)
      .map(([key, item]) => [truncateForLog(key, max), bound(item, max, depth + 1)]),
  );
}

/** The JSON line for a record, at most MAX_LOG_LINE_BYTES whatever its fields hold. */
export function boundedLogLine(record: LogFields): string {
  for (const max of [MAX_LOG_FIELD_CHARS, FALLBACK_FIELD_CHARS]) {
    const line = JSON.stringify(bound(record, max, 0));
    if (Buffer.byteLength(line) <= MAX_LOG_LINE_BYTES) return line;
  }
  const essential = ESSENTIAL_KEYS.filter((key) => record[key] !== undefined).map((key) => [
    key,
    bound(record[key], FALLBACK_FIELD_CHARS, MAX_LOG_DEPTH),
  ]);
  return JSON.stringify({ ...Object.fromEntries(essential), truncated: true });
}

/**
 * Powertools' key names, with `service`, `cold_start` and `correlation_id` taken from the
 * invocation the line belongs to (invocation-scope.ts) rather than from the logger's module state.
 */
class InvocationLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const invocation = currentInvocation();
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: invocation?.service ?? attributes.serviceName,
        cold_start: invocation?.coldStart,
        correlation_id: invocation?.correlationId,
        xray_trace_id: attributes.xRayTraceId,
        ...additional,
      },
    });
  }
}

// Lambda's runtime prefixes console lines with a timestamp and request id; a Console on the raw
// streams keeps each line one JSON object (as Powertools does). Elsewhere the global console, so
// test runners can capture the lines per test.
const lambdaConsole = new Console({ stdout: process.stdout, stderr: process.stderr });

/** Where the lines of this process go (the metrics' EMF lines too). */
export function logOutput(): Pick<Console, Level | "log"> {
  return process.env.AWS_LAMBDA_FUNCTION_NAME ? lambdaConsole : console;
}

/** Powertools Logger, with every line bounded before it is written. */
class BoundedLogger extends Logger {
  protected override printLog(_level: number, item: LogItem): void {
    item.prepareForPrint();
    const record = item.getAttributes();
    const level = String(record.level).toLowerCase();
    const method: Level =
      level === "debug" || level === "warn" ? level : level === "info" ? "info" : "error";
    logOutput()[method](boundedLogLine(record));
  }
}

export interface LoggingSettings {
  /** The function: `service` of lines written outside any invocation. */
  service: string;
  level: LogLevel;
}

function createLogger({ service, level }: LoggingSettings): Logger {
  return new BoundedLogger({
    serviceName: service,
    logLevel: level,
    logFormatter: new InvocationLogFormatter(),
  });
}

let logger = createLogger({ service: "auth-jwt-bridge", level: "INFO" });
/** Security events are written whatever the stage's level: a trail with gaps is no trail. */
let securityLogger = createLogger({ service: "auth-jwt-bridge", level: "INFO" });

/** Called once per process by an entry (or the local stack) with its parsed settings. */
export function configureLogging(settings: LoggingSettings): void {
  logger = createLogger(settings);
  securityLogger = createLogger({ service: settings.service, level: "INFO" });
}

export const log = {
  debug: (message: string, fields: LogFields = {}) => logger.debug(message, fields),
  info: (message: string, fields: LogFields = {}) => logger.info(message, fields),
  warn: (message: string, fields: LogFields = {}) => logger.warn(message, fields),
  error: (message: string, fields: LogFields = {}) => logger.error(message, fields),
};

/** One "security event" line, `event` naming what happened; never a secret or an address in full. */
export function logSecurityEvent(event: string, fields: LogFields): void {
  securityLogger.info("security event", { event, ...fields });
}

/**
 * One line per request: "request" from a function, "access" from the local server. A 5xx is
 * logged at error level, with whatever `fields` say went wrong.
 */
export function logRequest(message: "request" | "access", fields: RequestFields & LogFields): void {
  const { requestId, method, route, path, status, durationMs, ...rest } = fields;
  const line = { correlation_id: requestId, method, route, path, status, durationMs, ...rest };
  (status >= 500 ? log.error : log.info)(message, line);
}

/** Milliseconds since `started` (a performance.now() reading), to two decimals. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** The message of an error, never its stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What is safe to log about an unexpected error: its class and code (a SQLSTATE, also from its
 * `cause`) only. Messages of driver errors quote SQL and its parameters, which can hold password
 * hashes or session tokens.
 */
export function describeError(error: unknown): Record<string, string> {
  const fields: Record<string, string> = {
    error: error instanceof Error ? error.constructor.name : typeof error,
  };
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = cause?.code ?? (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") fields.code = code;
  return fields;
}
