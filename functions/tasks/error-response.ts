import { HTTPException } from "hono/http-exception";
import { ApiError, type ErrorStatus, invalidRequest, sessionEnded } from "./api-error";
import { SessionEnded } from "./caller-session";
import { classifyDatabaseError, describeFailure } from "./database-errors";
import type { ErrorEnvelope } from "./task-schemas";

export interface ErrorResponse {
  status: ErrorStatus;
  envelope: ErrorEnvelope;
  /** For the request's log line; undefined for expected client errors. */
  failure?: Record<string, unknown>;
}

/**
 * Maps anything a handler threw to the error envelope. Only ApiError messages and fixed texts
 * reach the client: never a stack, SQL, parameters or a token.
 */
export function errorResponseFor(error: unknown): ErrorResponse {
  const known = toApiError(error);
  if (known) return { status: known.status, envelope: known.toEnvelope() };

  const failure = describeFailure(error);
  switch (classifyDatabaseError(error)) {
    case "unavailable":
      return respond(new ApiError(503, "unavailable", "The database is unreachable"), failure);
    case "foreign_key_violation":
      // The only foreign key a task write can break is task.user_id: the account (and with it
      // every session) was deleted while the statement ran.
      return respond(sessionEnded(), failure);
    case "check_violation":
      // The schemas mirror the table's checks, so this means they drifted: still the client's input.
      return respond(
        new ApiError(400, "invalid_request", "The task breaks a rule of the database"),
        failure,
      );
    default:
      return respond(new ApiError(500, "internal", "Internal server error"), failure);
  }
}

function respond(error: ApiError, failure: Record<string, unknown>): ErrorResponse {
  return { status: error.status, envelope: error.toEnvelope(), failure };
}

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof SessionEnded) return sessionEnded();
  if (!(error instanceof HTTPException)) return undefined;
  // Hono's JSON validator and @hono/zod-openapi's media-type gate throw these.
  if (error.status === 400) {
    return invalidRequest("The body is not valid JSON", [
      { location: "body", field: "", message: "must be a valid JSON document" },
    ]);
  }
  if (error.status === 415) {
    return invalidRequest("The body must be JSON", [
      { location: "header", field: "content-type", message: "must be application/json" },
    ]);
  }
  if (error.status === 413) {
    return new ApiError(413, "payload_too_large", "The body is too large");
  }
  return undefined;
}
