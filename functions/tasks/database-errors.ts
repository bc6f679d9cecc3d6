/**
 * Classifies errors from either engine (Neon driver, PGlite), whatever drizzle wrapped them in,
 * so the API can answer 503 when the database is unreachable and 401 when the caller's user row
 * is gone, instead of a generic 500.
 */
export type DatabaseFailure = "unavailable" | "foreign_key_violation" | "check_violation";

// Node socket and DNS failures on the way to the database.
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

// SQLSTATEs that mean "cannot serve you now", not "your query is wrong".
const UNAVAILABLE_SQLSTATES = new Set([
  "53300", // too_many_connections
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "3D000", // invalid_catalog_name: the configured database does not exist
  "28000", // invalid_authorization_specification
  "28P01", // invalid_password
]);

// Messages of pg/Neon pool and PGlite errors that carry no code.
const CONNECTION_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|cannot use a pool after calling end|client was closed|pglite is closed/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  type?: unknown;
  cause?: unknown;
  error?: unknown;
}

/** The error and everything it wraps (`cause`, and `error` on a WebSocket ErrorEvent). */
function chainOf(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === "object" && chain.length < 8) {
    const link = current as ErrorLike;
    if (chain.includes(link)) break;
    chain.push(link);
    current = link.cause ?? link.error;
  }
  return chain;
}

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  for (const link of chainOf(error)) {
    const code = typeof link.code === "string" ? link.code : undefined;
    if (code === "23503") return "foreign_key_violation";
    if (code === "23514") return "check_violation";
    if (code && (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code))) {
      return "unavailable";
    }
    if (code?.startsWith("08")) return "unavailable"; // class 08: connection exception
    // The Neon driver reports WebSocket failures as an ErrorEvent (not an Error).
    if (link.type === "error" && !(link instanceof Error)) return "unavailable";
    if (typeof link.message === "string" && CONNECTION_MESSAGES.test(link.message)) {
      return "unavailable";
    }
  }
  return undefined;
}

/** What is safe to log about a failure: the innermost message and SQLSTATE, never the query or its parameters. */
export function describeFailure(error: unknown): { error: string; code?: string } {
  const chain = chainOf(error);
  const innermost = chain[chain.length - 1];
  const code = chain.map((link) => link.code).find((value) => typeof value === "string");
  const name = error instanceof Error ? error.name : typeof error;
  const message =
    innermost && typeof innermost.message === "string" ? innermost.message : String(error);
  return { error: `${name}: ${message}`, ...(typeof code === "string" ? { code } : {}) };
}
