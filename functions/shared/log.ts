import { Console } from "node:console";

/**
 * The one structured log format: one JSON object per line, `{ level, time, msg, ...fields }`.
 * Callers never pass tokens, passwords, cookies, e-mail addresses or bodies.
 */
export type LogFields = Record<string, unknown>;

/** What a line about one request carries, under these names wherever a request ends. */
export type RequestFields = {
  /** API Gateway's request id (the local gateway mints one the same way). */
  requestId?: string;
  method: string;
  /** The API Gateway route key, e.g. "GET /api/tasks/{id}". */
  route?: string;
  /** The path without its query string. */
  path: string;
  status: number;
  durationMs: number;
};

export type Level = "info" | "warn" | "error";

// Lambda's runtime prefixes console lines with a timestamp and request id; a Console on the raw
// streams keeps each line one JSON object (as Powertools Logger does). Elsewhere the global
// console, so test runners can capture the lines per test.
const lambdaConsole = new Console({ stdout: process.stdout, stderr: process.stderr });

/** Fields carry request-controlled text ("Invalid callbackURL: <2 MiB>"): bound them and lines. */
export const MAX_LOG_FIELD_CHARS = 1024;
export const MAX_LOG_LINE_BYTES = 4096;
/** What a line still says when its fields cannot fit even at the tighter string limit. */
const FALLBACK_FIELD_CHARS = 128;
const MAX_LOG_ENTRIES = 50;
const MAX_LOG_DEPTH = 4;

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

/** The JSON line for a record, bounded whatever the fields hold. */
export function formatLogLine(level: Level, msg: string, fields: LogFields): string {
  const record = { level, time: new Date().toISOString(), msg, ...fields };
  for (const max of [MAX_LOG_FIELD_CHARS, FALLBACK_FIELD_CHARS]) {
    const line = JSON.stringify(bound(record, max, 0));
    if (Buffer.byteLength(line) <= MAX_LOG_LINE_BYTES) return line;
  }
  return JSON.stringify({
    level,
    time: record.time,
    msg: truncateForLog(msg, FALLBACK_FIELD_CHARS),
    truncated: true,
  });
}

function write(level: Level, msg: string, fields: LogFields): void {
  const line = formatLogLine(level, msg, fields);
  const output = process.env.AWS_LAMBDA_FUNCTION_NAME ? lambdaConsole : console;
  output[level](line);
}

export const log = {
  info: (msg: string, fields: LogFields = {}) => write("info", msg, fields),
  warn: (msg: string, fields: LogFields = {}) => write("warn", msg, fields),
  error: (msg: string, fields: LogFields = {}) => write("error", msg, fields),
};

/**
 * One line per request: "request" from a function, "access" from the local server. A 5xx is
 * logged at error level, with whatever `fields` say went wrong.
 */
export function logRequest(msg: "request" | "access", fields: RequestFields & LogFields): void {
  const { requestId, method, route, path, status, durationMs, ...rest } = fields;
  const line = { requestId, method, route, path, status, durationMs, ...rest };
  write(status >= 500 ? "error" : "info", msg, line);
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
