/** Turns Better Auth's answers into a sentence and the form field it belongs next to. */
import type { AuthFailure } from "./auth-client";
import { type MessageLink, PATHS, signInUrl, signInWithEmailUrl } from "./navigation";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./validation";

/** Where a problem is shown: next to a field ("password" is the current one) or above the form. */
export type AuthField = "email" | "password" | "new-password" | "form";

export interface AuthProblem {
  field: AuthField;
  message: string;
  /** What to do instead, as a link shown after the message. */
  link?: MessageLink;
}

/** What the failure's message may refer to: the address typed, the page the visitor is on. */
export interface AuthContext {
  email?: string;
  /** Where sign-in should return after "Sign in again" (default: the tasks). */
  returnTo?: string;
}

/** The two troubles a visitor cannot fix in the form, in words that tell them apart. */
export const NETWORK_MESSAGE = "Can't reach the server — check your connection.";
export const SERVER_MESSAGE = "Something went wrong on our side; try again in a moment.";
/** Seconds to wait after a 429 that names no Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

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

export function describeAuthFailure(
  failure: AuthFailure,
  action: AuthAction,
  context: AuthContext = {},
): AuthProblem {
  switch (failure.code) {
    case "USER_ALREADY_EXISTS":
    case "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL":
      return {
        field: "email",
        message: "An account with this e-mail already exists. Use another one, or",
        link: {
          text: "sign in instead",
          href: context.email ? signInWithEmailUrl(context.email) : PATHS.signIn,
        },
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
    const wait = retryAfterSeconds(failure);
    return {
      field: "form",
      message: `Too many attempts. Wait ${wait} second${wait === 1 ? "" : "s"}, then try again.`,
    };
  }
  if (failure.status === 0) return { field: "form", message: NETWORK_MESSAGE };
  if (failure.status === 401 && action !== "sign-in") {
    return {
      field: "form",
      message: "Your session has ended.",
      link: { text: "Sign in again", href: signInUrl("session-ended", context.returnTo) },
    };
  }
  if (failure.status >= 500) return { field: "form", message: SERVER_MESSAGE };
  return {
    field: "form",
    message: failure.message
      ? `That did not work: ${failure.message}`
      : "That did not work. Try again.",
  };
}

/** How long a 429 asks the visitor to wait, in whole seconds (a default when it does not say). */
export function retryAfterSeconds(failure: AuthFailure): number {
  const wait = failure.retryAfterSeconds;
  return wait !== undefined && wait > 0 ? wait : DEFAULT_RETRY_AFTER_SECONDS;
}
