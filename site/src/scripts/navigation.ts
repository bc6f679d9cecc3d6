/** Page addresses and the messages one page leaves for the next in the query string. */
export const PATHS = {
  home: "/",
  signIn: "/sign-in/",
  signUp: "/sign-up/",
  tasks: "/tasks/",
  account: "/account/",
  checkInbox: "/check-inbox/",
  forgotPassword: "/forgot-password/",
} as const;

export type SignInReason = "session-ended" | "signed-out" | "sign-in-required" | "password-reset";

export const SIGN_IN_MESSAGES: Record<SignInReason, string> = {
  "session-ended": "Your session has ended. Sign in again to continue.",
  "signed-out": "You are signed out.",
  "sign-in-required": "Sign in to see your tasks.",
  "password-reset":
    "Your password is changed and every device was signed out. Sign in with it now.",
};

/** After a reset the address is `/sign-in/?reset=1`, as the mail flow's contract names it. */
export const PASSWORD_RESET_SIGN_IN = `${PATHS.signIn}?reset=1`;

export function signInUrl(reason: SignInReason): string {
  return reason === "password-reset" ? PASSWORD_RESET_SIGN_IN : `${PATHS.signIn}?reason=${reason}`;
}

export function readSignInReason(search: string): SignInReason | null {
  const query = new URLSearchParams(search);
  if (query.get("reset") === "1") return "password-reset";
  const reason = query.get("reason");
  return reason !== null && reason in SIGN_IN_MESSAGES ? (reason as SignInReason) : null;
}

/** The "check your inbox" page for an address (after sign-up, or to resend the link). */
export function checkInboxUrl(email: string): string {
  return `${PATHS.checkInbox}?${new URLSearchParams({ email })}`;
}

/** One query parameter of the current page's address ("" when it is missing). */
export function queryParam(name: string): string {
  return new URLSearchParams(window.location.search).get(name)?.trim() ?? "";
}

/** Leaves the current page without keeping it in history (the user cannot go "back" into it). */
export function leaveTo(path: string): void {
  window.location.replace(path);
}
