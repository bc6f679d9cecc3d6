/** Turns Better Auth's answers into a sentence and the form field it belongs next to. */
import type { AuthFailure } from "./auth-client";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./validation";

export type AuthField = "email" | "password" | "form";

export interface AuthProblem {
  field: AuthField;
  message: string;
}

export type AuthAction = "sign-up" | "sign-in" | "delete-account" | "sign-out";

export function describeAuthFailure(failure: AuthFailure, action: AuthAction): AuthProblem {
  switch (failure.code) {
    case "USER_ALREADY_EXISTS":
    case "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL":
      return {
        field: "email",
        message: "An account with this e-mail already exists. Sign in instead, or use another one.",
      };
    case "INVALID_EMAIL":
      return { field: "email", message: "Enter a valid e-mail address, like name@example.com." };
    case "PASSWORD_TOO_SHORT":
      return {
        field: "password",
        message: `This password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`,
      };
    case "PASSWORD_TOO_LONG":
      return {
        field: "password",
        message: `This password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`,
      };
    case "INVALID_EMAIL_OR_PASSWORD":
      return {
        field: "password",
        message: "Wrong e-mail or password. Check both and try again.",
      };
    case "INVALID_PASSWORD":
      return { field: "password", message: "That password is not correct." };
    case "PASSWORD_REQUIRED":
      return { field: "password", message: "Enter your password to confirm." };
    default:
      break;
  }
  if (failure.status === 429) {
    const wait = failure.retryAfterSeconds;
    return {
      field: "form",
      message:
        wait && wait > 0
          ? `Too many attempts. Wait ${wait} second${wait === 1 ? "" : "s"}, then try again.`
          : "Too many attempts. Wait a minute, then try again.",
    };
  }
  if (failure.status === 0) {
    return {
      field: "form",
      message: "Could not reach the server. Check your connection and try again.",
    };
  }
  if (failure.status === 401 && action !== "sign-in") {
    return { field: "form", message: "Your session has ended. Sign in again to continue." };
  }
  if (failure.status >= 500) {
    return {
      field: "form",
      message:
        "The service is unavailable right now. Nothing you typed was lost: try again in a moment.",
    };
  }
  return {
    field: "form",
    message: failure.message
      ? `That did not work: ${failure.message}`
      : "That did not work. Try again.",
  };
}
