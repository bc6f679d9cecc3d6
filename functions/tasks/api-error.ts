import type { ErrorCode, ErrorEnvelope, FieldError } from "./task-schemas";

/**
 * The one error envelope of the tasks API: `{ error: { code, message, details? } }`, declared as
 * ErrorSchema in task-schemas.ts. Handlers throw `ApiError`; the app's error handler turns it (and
 * everything else) into a response.
 */
export type ErrorStatus = 400 | 401 | 404 | 413 | 500 | 503;

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
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

/** The token is valid but its session was signed out, revoked or deleted, or has expired. */
export const SESSION_ENDED_MESSAGE = "Your session has ended; sign in again";
export const sessionEnded = () => new ApiError(401, "SESSION_ENDED", SESSION_ENDED_MESSAGE);
