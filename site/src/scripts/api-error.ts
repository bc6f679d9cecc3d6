/** One error type for everything the site's API calls can go through. */
export type ApiErrorKind =
  | "session-ended"
  | "unavailable"
  | "network"
  | "invalid"
  | "not-found"
  | "too-large"
  | "server";

export interface ErrorEnvelope {
  code: string;
  message: string;
  details?: unknown;
}

function kindForStatus(status: number): ApiErrorKind {
  if (status === 401 || status === 403) return "session-ended";
  if (status === 404) return "not-found";
  if (status === 413) return "too-large";
  if (status === 400 || status === 422) return "invalid";
  if (status === 429 || status === 502 || status === 503 || status === 504) return "unavailable";
  return "server";
}

const DEFAULT_MESSAGES: Record<ApiErrorKind, string> = {
  "session-ended": "Your session has ended. Sign in again to continue.",
  unavailable:
    "The service is busy or unavailable right now. Nothing was lost: try again in a moment.",
  network: "Could not reach the server. Check your connection and try again.",
  invalid: "Some of the information is not valid.",
  "not-found": "That task no longer exists.",
  "too-large": "That is too much text to save.",
  server: "Something went wrong on our side. Try again.",
};

function readEnvelope(body: unknown): ErrorEnvelope | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const error = body.error;
  if (typeof error !== "object" || error === null) return null;
  const code = "code" in error && typeof error.code === "string" ? error.code : "unknown";
  const message = "message" in error && typeof error.message === "string" ? error.message : "";
  return "details" in error ? { code, message, details: error.details } : { code, message };
}

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly code: string = kind,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }

  static network(): ApiError {
    return new ApiError("network", 0, DEFAULT_MESSAGES.network);
  }

  static sessionEnded(): ApiError {
    return new ApiError("session-ended", 401, DEFAULT_MESSAGES["session-ended"]);
  }

  static fromStatus(status: number): ApiError {
    const kind = kindForStatus(status);
    return new ApiError(kind, status, DEFAULT_MESSAGES[kind]);
  }

  /** Reads the `{ error: { code, message, details? } }` envelope when there is one. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => null);
    const envelope = readEnvelope(body);
    const kind = kindForStatus(response.status);
    // Only validation messages are worth showing verbatim; the rest get a friendly sentence.
    const message =
      kind === "invalid" && envelope?.message ? envelope.message : DEFAULT_MESSAGES[kind];
    return new ApiError(kind, response.status, message, envelope?.code ?? kind, envelope?.details);
  }
}

/**
 * Per-field messages from an `invalid_request` error. Accepts the shapes a validator commonly
 * produces: `{ field: "msg" | ["msg"] }`, `{ fieldErrors: {...} }` or `[{ path, message }]`.
 */
export function fieldErrorsFrom(details: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  const add = (field: unknown, message: unknown) => {
    const name = Array.isArray(field) ? field[0] : field;
    const text = Array.isArray(message) ? message[0] : message;
    if ((typeof name === "string" || typeof name === "number") && typeof text === "string") {
      result[String(name)] ??= text;
    }
  };
  if (Array.isArray(details)) {
    for (const issue of details) {
      if (typeof issue === "object" && issue !== null) {
        add(
          "path" in issue ? issue.path : "field" in issue ? issue.field : undefined,
          "message" in issue ? issue.message : undefined,
        );
      }
    }
  } else if (typeof details === "object" && details !== null) {
    const source =
      "fieldErrors" in details && typeof details.fieldErrors === "object" && details.fieldErrors
        ? details.fieldErrors
        : details;
    for (const [field, message] of Object.entries(source)) add(field, message);
  }
  return result;
}
