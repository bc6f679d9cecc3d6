/** Turns Better Auth's answers into a sentence and the form field it belongs next to. */
import type { AuthFailure } from "./auth-client";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./validation";

/** Where a problem is shown: next to a field ("password" is the current one) or above the form. */
export type AuthField = "email" | "password" | "new-password" | "form";

export interface AuthProblem {
  field: AuthField;
  message: string;
}

export type AuthAction =
  | "sign-up"
  | "sign-in"
  | "delete-account"
  | "sign-out"
  | "verify-email"
  | "reset-password"
  | "change-password"
  | "change-email"
  | "sessions";

/** Better Auth's codes for a verification or reset link that is expired, used or mangled. */
const BAD_LINK_CODES = new Set([
  "INVALID_TOKEN",
  "TOKEN_EXPIRED",
  "USER_NOT_FOUND",
  "INVALID_USER",
]);

/** True when a verification or reset link itself was refused (not what was typed with it). */
export function isBadLink(failure: AuthFailure): boolean {
  return failure.code !== undefined && BAD_LINK_CODES.has(failure.code);
}

export const BAD_LINK_MESSAGE =
  "This link has expired or was already used. Ask for a new one below.";

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
    case "EMAIL_TOO_LONG":
      return { field: "email", message: "That address is too long: use at most 254 characters." };
    case "EMAIL_NOT_VERIFIED":
      return {
        field: "form",
        message: "Confirm your e-mail address first: open the link we sent you.",
      };
    case "PASSWORD_TOO_WEAK":
      return {
        field: "new-password",
        message:
          failure.message || "This password is too easy to guess. Add a few unrelated words.",
      };
    case "PASSWORD_TOO_SHORT":
      return {
        field: "new-password",
        message: `This password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`,
      };
    case "PASSWORD_TOO_LONG":
      return {
        field: "new-password",
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
      if (isBadLink(failure)) {
        return { field: "form", message: BAD_LINK_MESSAGE };
      }
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
