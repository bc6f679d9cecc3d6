/**
 * Deletes the page sent while it was unloading (keepalive) may reach the API after the next page
 * has listed its tasks. The ids are kept for that next page, which hides them and sends them again
 * (deleting a task twice is harmless: the second answer is "not found", which counts as done).
 */
const STORAGE_KEY = "tasks:unfinished-deletes";

export function rememberUnfinishedDeletes(ids: readonly string[]): void {
  try {
    if (ids.length > 0) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(ids));
  } catch {
    // Without storage the keepalive requests alone carry the deletes.
  }
}

/** The ids the previous page left, once: they are forgotten as they are read. */
export function takeUnfinishedDeletes(): string[] {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]");
    sessionStorage.removeItem(STORAGE_KEY);
    return Array.isArray(saved) ? saved.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}
