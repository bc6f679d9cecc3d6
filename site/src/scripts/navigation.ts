/** Page addresses and the messages one page leaves for the next in the query string. */
export const PATHS = {
  home: "/",
  signIn: "/sign-in/",
  signUp: "/sign-up/",
  tasks: "/tasks/",
  account: "/account/",
} as const;

export type SignInReason = "session-ended" | "signed-out" | "sign-in-required";

export const SIGN_IN_MESSAGES: Record<SignInReason, string> = {
  "session-ended": "Your session has ended. Sign in again to continue.",
  "signed-out": "You are signed out.",
  "sign-in-required": "Sign in to see your tasks.",
};

export function signInUrl(reason: SignInReason): string {
  return `${PATHS.signIn}?reason=${reason}`;
}

export function readSignInReason(search: string): SignInReason | null {
  const reason = new URLSearchParams(search).get("reason");
  return reason !== null && reason in SIGN_IN_MESSAGES ? (reason as SignInReason) : null;
}

/** Leaves the current page without keeping it in history (the user cannot go "back" into it). */
export function leaveTo(path: string): void {
  window.location.replace(path);
}
