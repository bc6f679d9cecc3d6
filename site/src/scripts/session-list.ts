/** The account page's list of signed-in devices, "sign out other devices" and per-device sign-out. */
import { type AuthFailure, authClient, callAuth } from "./auth-client";
import { describeAuthFailure } from "./auth-errors";
import { requireElement, setBusy, setMessage } from "./form-fields";
import { PATHS } from "./navigation";

/** A device as Better Auth's list-sessions answers it: its client's own type, not a copy. */
type ListedSession = NonNullable<
  Awaited<ReturnType<typeof authClient.listSessions>>["data"]
>[number];

const list = requireElement(document, "#session-list", HTMLUListElement);
const notice = requireElement(document, "#sessions-notice", HTMLElement);
const error = requireElement(document, "#sessions-error", HTMLElement);
const revokeOthers = requireElement(document, "#revoke-others", HTMLButtonElement);
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const BROWSERS: Array<[RegExp, string]> = [
  [/Edg\//, "Edge"],
  [/Firefox\//, "Firefox"],
  [/Chrom(e|ium)\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/, "Android"],
  [/iPhone|iPad/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** "Chrome on Linux" from a user agent; the raw string is only a fallback. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

function renderSession(session: ListedSession, isCurrent: boolean): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.sessionId = session.id;
  const text = document.createElement("div");
  const device = document.createElement("strong");
  device.textContent = describeDevice(session.userAgent);
  const since = document.createElement("div");
  since.className = "muted";
  since.textContent = `Signed in ${when.format(new Date(session.createdAt))}`;
  text.append(device, since);
  item.append(text);
  if (isCurrent) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "This device";
    item.append(badge);
  } else {
    const signOut = document.createElement("button");
    signOut.type = "button";
    signOut.className = "link";
    signOut.textContent = "Sign out";
    signOut.setAttribute("aria-label", `Sign out ${device.textContent}, ${since.textContent}`);
    signOut.addEventListener("click", () => void revoke(session.token, signOut));
    item.append(signOut);
  }
  return item;
}

function showSessionsProblem(failure: AuthFailure): void {
  const problem = describeAuthFailure(failure, "sessions", { returnTo: PATHS.account });
  setMessage(error, problem.message, problem.link);
}

/** Reads the sessions again and redraws the list (the current session may have changed). */
export async function refreshSessions(): Promise<void> {
  const [current, sessions] = await Promise.all([
    callAuth((fetchOptions) => authClient.getSession({ fetchOptions })),
    callAuth((fetchOptions) => authClient.listSessions({ fetchOptions })),
  ]);
  if (!sessions.ok) {
    showSessionsProblem(sessions.failure);
    return;
  }
  const currentId = current.ok ? current.data?.session.id : undefined;
  const listed = [...(sessions.data ?? [])].sort(
    (a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime(),
  );
  list.replaceChildren(
    ...listed.map((session) => renderSession(session, session.id === currentId)),
  );
  revokeOthers.hidden = listed.every((session) => session.id === currentId);
}

/** Runs one sign-out call from `button`; on success says `done` and redraws the list. */
async function signOutDevices(
  button: HTMLButtonElement,
  call: Parameters<typeof callAuth<unknown>>[0],
  done: string,
): Promise<void> {
  setMessage(error, "");
  setMessage(notice, "");
  setBusy(button, true, "Signing out…");
  const result = await callAuth(call);
  setBusy(button, false, "Signing out…");
  if (!result.ok) {
    showSessionsProblem(result.failure);
    return;
  }
  setMessage(notice, done);
  await refreshSessions();
}

function revoke(token: string, button: HTMLButtonElement): Promise<void> {
  return signOutDevices(
    button,
    (fetchOptions) => authClient.revokeSession({ token, fetchOptions }),
    "That device is signed out.",
  ).then(() => revokeOthers.focus());
}

revokeOthers.addEventListener("click", () => {
  void signOutDevices(
    revokeOthers,
    (fetchOptions) => authClient.revokeOtherSessions({ fetchOptions }),
    "Every other device is signed out.",
  );
});
