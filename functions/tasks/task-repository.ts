import { and, desc, eq, exists, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { type TaskRow, task } from "../db/schema";
import { type Caller, callerSession, requireActiveSession } from "./caller-session";
import type { ListCursor } from "./list-cursor";

/**
 * Every query the tasks API runs. Each one is a single statement that checks the caller's
 * session (the `caller_session` CTE) and filters by the caller's user id, so no code path can
 * reach another user's rows, and none serves a token whose session has ended. Reads and writes
 * are anchored on `caller_session`: no session, no row at all (SessionEnded); a session but no
 * task, one row whose task part is null (not found).
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
 * the same however many tasks are inserted meanwhile (new ones sort before the first page). The
 * page is a lateral join on `caller_session`, so an empty page still returns the session's row.
 */
export function listTasksQuery(db: Database, caller: Caller, options: ListOptions) {
  const { after, completed } = options;
  const active = callerSession(db, caller);
  const page = db
    .select()
    .from(task)
    .where(
      and(
        eq(task.userId, caller.userId),
        completed === undefined ? undefined : eq(task.completed, completed),
        after
          ? sql`(${task.createdAt}, ${task.id}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(task.createdAt), desc(task.id))
    .limit(options.limit + 1)
    .as("page");
  return db
    .with(active)
    .select()
    .from(active)
    .leftJoinLateral(page, sql`true`)
    .orderBy(desc(page.createdAt), desc(page.id));
}

export async function listTasksForUser(
  db: Database,
  caller: Caller,
  options: ListOptions,
): Promise<TaskPage> {
  const rows = requireActiveSession(await listTasksQuery(db, caller, options))
    .map((row) => row.page)
    .filter((row) => row !== null);
  if (rows.length <= options.limit) return { items: rows };
  const items = rows.slice(0, options.limit);
  const last = items[items.length - 1] as TaskRow;
  return { items, next: { createdAt: last.createdAt, id: last.id } };
}

/** The insert takes its row from `caller_session`: no session, nothing written. */
export async function createTaskForUser(
  db: Database,
  caller: Caller,
  input: NewTask,
): Promise<TaskRow> {
  const active = callerSession(db, caller);
  const rows = await db
    .with(active)
    .insert(task)
    .select(
      db
        .select({
          id: sql`gen_random_uuid()`.as("id"),
          userId: sql`${caller.userId}`.as("user_id"),
          title: sql`${input.title}`.as("title"),
          description: sql`${input.description ?? null}`.as("description"),
          completed: sql`false`.as("completed"),
          createdAt: sql`now()`.as("created_at"),
          updatedAt: sql`now()`.as("updated_at"),
        })
        .from(active),
    )
    .returning();
  return requireActiveSession(rows)[0];
}

export async function getTaskForUser(
  db: Database,
  caller: Caller,
  id: string,
): Promise<TaskRow | undefined> {
  const active = callerSession(db, caller);
  const rows = await db
    .with(active)
    .select({ task })
    .from(active)
    .leftJoin(task, and(eq(task.id, id), eq(task.userId, caller.userId)));
  return requireActiveSession(rows)[0].task ?? undefined;
}

export async function updateTaskForUser(
  db: Database,
  caller: Caller,
  id: string,
  changes: TaskChanges,
): Promise<TaskRow | undefined> {
  const active = callerSession(db, caller);
  const updated = db.$with("updated").as(
    db
      .update(task)
      .set({
        ...(changes.title === undefined ? {} : { title: changes.title }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.completed === undefined ? {} : { completed: changes.completed }),
        // Strictly later than before even within one millisecond, so clients can rely on it.
        updatedAt: sql`greatest(now(), ${task.updatedAt} + interval '1 millisecond')`,
      })
      .where(and(eq(task.id, id), eq(task.userId, caller.userId), exists(db.select().from(active))))
      .returning(),
  );
  const rows = await db.with(active, updated).select().from(active).leftJoin(updated, sql`true`);
  return requireActiveSession(rows)[0].updated ?? undefined;
}

export async function deleteTaskForUser(
  db: Database,
  caller: Caller,
  id: string,
): Promise<boolean> {
  const active = callerSession(db, caller);
  const deleted = db.$with("deleted").as(
    db
      .delete(task)
      .where(and(eq(task.id, id), eq(task.userId, caller.userId), exists(db.select().from(active))))
      .returning({ id: task.id }),
  );
  const rows = await db
    .with(active, deleted)
    .select({ deletedId: deleted.id })
    .from(active)
    .leftJoin(deleted, sql`true`);
  return requireActiveSession(rows)[0].deletedId !== null;
}
