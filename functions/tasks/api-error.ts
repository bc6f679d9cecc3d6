/**
 * The one error envelope of the tasks API: `{ error: { code, message, details? } }`.
 * Handlers throw `ApiError`; the app's error handler turns it (and everything else) into a response.
 */
export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "payload_too_large"
  | "unavailable"
  | "internal";

export type ErrorStatus = 400 | 401 | 404 | 413 | 500 | 503;

/** One problem with one input field; `field` is a dotted path ("" for the whole body). */
export interface FieldError {
  location: "body" | "query" | "path" | "header";
  field: string;
  message: string;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const invalidRequest = (message: string, details: FieldError[]) =>
  new ApiError(400, "invalid_request", message, details);

export const taskNotFound = () => new ApiError(404, "not_found", "Task not found");

export const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);
