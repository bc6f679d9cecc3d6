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

/** A "do this instead" link at the end of a message. */
export interface MessageLink {
  text: string;
  href: string;
}

/** Why the sign-in page was opened, as the address names it (`?reason=`, or `?reset=1`). */
export type SignInReason = "session-ended" | "signed-out" | "password-reset";

/** Why a page that needs a session has none: never had one (or signed out), or it ended. */
export type MissingSession = "signed-out" | "session-ended";

export const SIGN_IN_MESSAGES: Record<SignInReason, string> = {
  "session-ended": "Your session has ended. Sign in again to continue.",
  "signed-out": "You are signed out.",
  "password-reset":
    "Your password is changed and every device was signed out. Sign in with it now.",
};

/** What a visitor sent to sign in from a page is told, by the page they asked for. */
const PROMPTS: Record<string, string> = {
  [PATHS.tasks]: "Sign in to see your tasks.",
  [PATHS.account]: "Sign in to manage your account.",
};
const DEFAULT_PROMPT = "Sign in to continue.";

/** Where sign-in leads when the address names no page (or one that is not ours). */
export const DEFAULT_AFTER_SIGN_IN = PATHS.tasks;

/** After a reset the address is `/sign-in/?reset=1`, as the mail flow's contract names it. */
export const PASSWORD_RESET_SIGN_IN = `${PATHS.signIn}?reset=1`;

/** Any origin works here: only a path that stays on it survives the round trip. */
const PROBE_ORIGIN = "https://site.invalid";
/** Pages that would only send the visitor back to where they are. */
const NOT_A_DESTINATION = new Set<string>([PATHS.signIn, PATHS.signUp]);

function isUnsafeInPath(char: string): boolean {
  const code = char.charCodeAt(0);
  return char === "\\" || code < 0x20 || code === 0x7f;
}

/**
 * The page to open after sign-in: a path on this site only. Anything that could leave the origin
 * (`//evil.example`, `https:…`, `/\evil.example`, control characters) gives the default.
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw?.startsWith("/") || raw.startsWith("//")) return DEFAULT_AFTER_SIGN_IN;
  // Browsers read a backslash as a slash, and drop tabs and newlines, before they resolve a path.
  if (Array.from(raw).some(isUnsafeInPath)) return DEFAULT_AFTER_SIGN_IN;
  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  if (url.origin !== PROBE_ORIGIN || NOT_A_DESTINATION.has(url.pathname)) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  return `${url.pathname}${url.search}${url.hash}`;
}

export function signInUrl(reason: SignInReason, next?: string): string {
  if (reason === "password-reset") return PASSWORD_RESET_SIGN_IN;
  const query = new URLSearchParams({ reason });
  if (next !== undefined) query.set("next", safeNextPath(next));
  return `${PATHS.signIn}?${query}`;
}

/** The sign-in page for a visitor a page has to send away; `next` is where sign-in returns. */
export function signInUrlFor(missing: MissingSession, next: string): string {
  if (missing === "session-ended") return signInUrl("session-ended", next);
  return `${PATHS.signIn}?${new URLSearchParams({ next: safeNextPath(next) })}`;
}

/**
 * Sends a visitor without a session to sign in, with the words that fit (see signInNotice), and
 * back to `next` afterwards. Pages that cannot tell why pass missingSessionReason().
 */
export function redirectToSignIn(missing: MissingSession, next: string): void {
  leaveTo(signInUrlFor(missing, next));
}

export function readSignInReason(search: string): SignInReason | null {
  const query = new URLSearchParams(search);
  if (query.get("reset") === "1") return "password-reset";
  const reason = query.get("reason");
  return reason !== null && reason in SIGN_IN_MESSAGES ? (reason as SignInReason) : null;
}

/** The sign-in page's notice for its address: the reason's message, or the asked-for page's prompt. */
export function signInNotice(search: string): string | null {
  const reason = readSignInReason(search);
  if (reason) return SIGN_IN_MESSAGES[reason];
  const next = new URLSearchParams(search).get("next");
  if (next === null) return null;
  const path = safeNextPath(next);
  return PROMPTS[new URL(path, PROBE_ORIGIN).pathname] ?? DEFAULT_PROMPT;
}

/** Where the sign-in page leads once it succeeds (`?next=`, checked). */
export function afterSignIn(search: string): string {
  return safeNextPath(new URLSearchParams(search).get("next"));
}

/** Remembers, in this browser, that someone signed in, so a lost session can be told apart. */
const SIGNED_IN_MARK = "tasks.signed-in";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Call after every successful sign-in (or confirmation that signs in). */
export function rememberSignedIn(): void {
  try {
    storage()?.setItem(SIGNED_IN_MARK, "1");
  } catch {
    // Storage full or refused: a later lost session is then told "sign in", which is still true.
  }
}

/** Call after a deliberate sign-out or deletion: the next visit is a fresh start, not a loss. */
export function forgetSignedIn(): void {
  try {
    storage()?.removeItem(SIGNED_IN_MARK);
  } catch {
    // Nothing to forget.
  }
}

/** A page found no session: did this browser have one (it ended) or not (never, or signed out)? */
export function missingSessionReason(): MissingSession {
  try {
    return storage()?.getItem(SIGNED_IN_MARK) === "1" ? "session-ended" : "signed-out";
  } catch {
    return "signed-out";
  }
}

/** The "check your inbox" page for an address (after sign-up, or to resend the link). */
export function checkInboxUrl(email: string): string {
  return `${PATHS.checkInbox}?${new URLSearchParams({ email })}`;
}

/** The sign-in page with the address filled in (from "an account already exists"). */
export function signInWithEmailUrl(email: string): string {
  return `${PATHS.signIn}?${new URLSearchParams({ email })}`;
}

/** One query parameter of the current page's address ("" when it is missing). */
export function queryParam(name: string): string {
  return new URLSearchParams(window.location.search).get(name)?.trim() ?? "";
}

/** Leaves the current page without keeping it in history (the user cannot go "back" into it). */
export function leaveTo(path: string): void {
  window.location.replace(path);
}
