import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { type TaskRow, task } from "../db/schema";
import type { ListCursor } from "./list-cursor";

/**
 * Every query the tasks API runs. Each one takes the caller's user id and filters by it, so no
 * code path can reach another user's rows.
 */

export interface ListOptions {
  limit: number;
  /** Start strictly after this (createdAt, id); the first page when absent. */
  after?: ListCursor;
  completed?: boolean;
}

export interface TaskPage {
  items: TaskRow[];
  /** Where the next page starts; absent on the last page. */
  next?: ListCursor;
}

export interface NewTask {
  title: string;
  description?: string | null;
}

export interface TaskChanges {
  title?: string;
  description?: string | null;
  completed?: boolean;
}

/**
 * Keyset pagination on (created_at desc, id desc), served by task_user_created_idx: a page is
 * the same however many tasks are inserted meanwhile (new ones sort before the first page).
 */
export function listTasksQuery(db: Database, userId: string, options: ListOptions) {
  const { after, completed } = options;
  return db
    .select()
    .from(task)
    .where(
      and(
        eq(task.userId, userId),
        completed === undefined ? undefined : eq(task.completed, completed),
        after
          ? sql`(${task.createdAt}, ${task.id}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(task.createdAt), desc(task.id))
    .limit(options.limit + 1);
}

export async function listTasksForUser(
  db: Database,
  userId: string,
  options: ListOptions,
): Promise<TaskPage> {
  const rows = await listTasksQuery(db, userId, options);
  if (rows.length <= options.limit) return { items: rows };
  const items = rows.slice(0, options.limit);
  const last = items[items.length - 1] as TaskRow;
  return { items, next: { createdAt: last.createdAt, id: last.id } };
}

export async function createTaskForUser(
  db: Database,
  userId: string,
  input: NewTask,
): Promise<TaskRow> {
  const [row] = await db
    .insert(task)
    .values({ userId, title: input.title, description: input.description ?? null })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function getTaskForUser(
  db: Database,
  userId: string,
  id: string,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .select()
    .from(task)
    .where(and(eq(task.id, id), eq(task.userId, userId)));
  return row;
}

export async function updateTaskForUser(
  db: Database,
  userId: string,
  id: string,
  changes: TaskChanges,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(task)
    .set({
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.completed === undefined ? {} : { completed: changes.completed }),
      // Strictly later than before even within one millisecond, so clients can rely on it.
      updatedAt: sql`greatest(now(), ${task.updatedAt} + interval '1 millisecond')`,
    })
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning();
  return row;
}

export async function deleteTaskForUser(
  db: Database,
  userId: string,
  id: string,
): Promise<boolean> {
  const deleted = await db
    .delete(task)
    .where(and(eq(task.id, id), eq(task.userId, userId)))
    .returning({ id: task.id });
  return deleted.length > 0;
}
