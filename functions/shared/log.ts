/** One JSON object per line on stdout/stderr; callers never pass tokens, passwords or cookies. */
export type LogFields = Record<string, unknown>;

function write(level: "info" | "warn" | "error", msg: string, fields: LogFields): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
  if (level === "info") process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

export const log = {
  info: (msg: string, fields: LogFields = {}) => write("info", msg, fields),
  warn: (msg: string, fields: LogFields = {}) => write("warn", msg, fields),
  error: (msg: string, fields: LogFields = {}) => write("error", msg, fields),
};

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
