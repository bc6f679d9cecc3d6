/** One error type for everything the site's API calls can go through. */
import type { AuthError } from "../../../functions/tasks/openapi-auth-routes";
import type {
  ErrorEnvelope,
  FieldError,
  GatewayError,
} from "../../../functions/tasks/task-schemas";
import { parseRetryAfter } from "./retry-after";

/** The three shapes an error answer can take, one per layer (see the OpenAPI document). */
export type ErrorBody = ErrorEnvelope | GatewayError | AuthError;

/** The tasks API's own envelope, when the body is one rather than the gateway's or Better Auth's. */
export function envelopeOf(body: unknown): ErrorEnvelope["error"] | undefined {
  const answer = body as ErrorBody | null;
  return typeof answer === "object" && answer !== null && "error" in answer
    ? answer.error
    : undefined;
}

export type ApiErrorKind =
  | "session-ended"
  | "unavailable"
  | "network"
  | "invalid"
  | "not-found"
  | "too-large"
  | "server";

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

export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly code: string = kind,
    readonly details: FieldError[] | undefined = undefined,
    /** From a 429's Retry-After header: how long to wait before trying again. */
    readonly retryAfterSeconds: number | null = null,
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

  /**
   * Reads the tasks API's envelope when there is one; API Gateway answers `{ message }`, and a
   * proxy may answer no JSON at all.
   */
  static async fromResponse(response: Response): Promise<ApiError> {
    const envelope = envelopeOf(await response.json().catch(() => null));
    const kind = kindForStatus(response.status);
    // Only validation messages are worth showing verbatim; the rest get a friendly sentence.
    const message =
      kind === "invalid" && envelope?.message ? envelope.message : DEFAULT_MESSAGES[kind];
    return new ApiError(
      kind,
      response.status,
      message,
      envelope?.code ?? kind,
      envelope?.details,
      parseRetryAfter(response.headers.get("retry-after")),
    );
  }
}

/** Per-field messages from an `invalid_request` error: the first message for each field. */
export function fieldErrorsFrom(details: FieldError[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const { field, message } of details ?? []) result[field] ??= message;
  return result;
}
