/**
 * Whether this browser has been signed in on the tasks page before: a refused token then means the
 * session ended ("Your session has ended"), while a visitor who never signed in is asked to sign
 * in ("Sign in to see your tasks"). The session cookie itself is HttpOnly and cannot tell.
 */
const STORAGE_KEY = "tasks:signed-in-here";

export function markSignedInHere(): void {
  try {
    localStorage.setItem(STORAGE_KEY, "1");
  } catch {
    // Without storage every refusal reads as "sign in to see your tasks", which is still true.
  }
}

/** Reads the mark and forgets it: one "session ended" per ended session. */
export function takeSignedInHere(): boolean {
  try {
    const signedIn = localStorage.getItem(STORAGE_KEY) === "1";
    localStorage.removeItem(STORAGE_KEY);
    return signedIn;
  } catch {
    return false;
  }
}
