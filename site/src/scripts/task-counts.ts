/**
 * How many tasks are open and done, for the filter's labels ("All 8 · Open 5 · Done 3"). The API
 * has no count: a count pages through the list, and stops after MAX_COUNTED_PAGES (shown as "100+").
 */
import type { Task } from "../../../functions/tasks/task-schemas";
import type { TaskFilter, TasksApi } from "./tasks-api";

export const MAX_COUNTED_PAGES = 5;

export interface Count {
  value: number;
  /** False when counting stopped before the end of the list. */
  exact: boolean;
}

export interface TaskCounts {
  open: Count;
  done: Count;
}

/** Counts the tasks one filter shows, leaving out `skip` (deletes still waiting for undo). */
export async function countTasks(
  api: TasksApi,
  filter: Exclude<TaskFilter, "all">,
  skip: ReadonlySet<string>,
): Promise<Count> {
  let value = 0;
  let cursor: string | null = null;
  for (let page = 0; page < MAX_COUNTED_PAGES; page += 1) {
    const result = await api.list(filter, cursor);
    value += result.items.filter((task) => !skip.has(task.id)).length;
    cursor = result.nextCursor;
    if (cursor === null) return { value, exact: true };
  }
  return { value, exact: false };
}

/** The counts of a list that is known in full. */
export function countsOf(tasks: readonly Task[]): TaskCounts {
  const done = tasks.filter((task) => task.completed).length;
  return {
    open: { value: tasks.length - done, exact: true },
    done: { value: done, exact: true },
  };
}

/** Moves one task into (+1) or out of (-1) the counts. */
export function adjustCounts(counts: TaskCounts, completed: boolean, change: 1 | -1): void {
  const count = completed ? counts.done : counts.open;
  count.value = Math.max(0, count.value + change);
}

export function formatCount(count: Count): string {
  return `${count.value}${count.exact ? "" : "+"}`;
}

export function totalOf(counts: TaskCounts): Count {
  return {
    value: counts.open.value + counts.done.value,
    exact: counts.open.exact && counts.done.exact,
  };
}
