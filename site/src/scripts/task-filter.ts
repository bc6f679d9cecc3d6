/**
 * The list's filter lives in the address (`?filter=open` or `?filter=done`; none means all), so
 * it survives a reload, can be bookmarked, and moves with back and forward.
 */
import type { TaskFilter } from "./tasks-api";

const URL_VALUES: Record<TaskFilter, string | null> = { all: null, active: "open", done: "done" };

export function readTaskFilter(search: string): TaskFilter {
  const value = new URLSearchParams(search).get("filter");
  if (value === "open") return "active";
  if (value === "done") return "done";
  return "all";
}

/** The same address with `filter` in its query (other parameters kept). */
export function taskFilterUrl(current: URL, filter: TaskFilter): string {
  const next = new URL(current);
  const value = URL_VALUES[filter];
  if (value) next.searchParams.set("filter", value);
  else next.searchParams.delete("filter");
  return `${next.pathname}${next.search}${next.hash}`;
}

/** The radio value a filter is shown as ("open", not the API's "active"). */
export function filterRadioValue(filter: TaskFilter): string {
  return URL_VALUES[filter] ?? "all";
}

export function filterFromRadio(value: string): TaskFilter {
  return readTaskFilter(`?filter=${encodeURIComponent(value)}`);
}
