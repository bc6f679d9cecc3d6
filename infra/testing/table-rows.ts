import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "../../functions/db/database";
import { session, type TaskRow, task, user } from "../../functions/db/schema";
import type { Caller } from "../../functions/tasks/caller-session";

/** Rows written and read straight in the tables, behind the API's back, to set up and check tests. */

/** A user with one active session: what a signed-in caller's token names (`sub`, `sid`). */
export interface TestUser extends Caller {
  /** The user id (`sub`), the same as `userId`. */
  id: string;
}

/** How long fixture sessions live unless told otherwise (Better Auth's default is 7 days). */
const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Inserts a row in "user" and one in "session" directly (Better Auth's own flows are tested by
 * the auth function). The session id differs from the user id, so a query that mixes them fails.
 */
export async function insertUser(db: Database, name = "Test user"): Promise<TestUser> {
  const id = randomUUID();
  await db.insert(user).values({ id, name, email: `${id}@example.test` });
  const sessionId = await insertSession(db, id);
  return { id, userId: id, sessionId };
}

/** Another session of `userId` (another device), expiring at `expiresAt`. */
export async function insertSession(
  db: Database,
  userId: string,
  expiresAt: Date = new Date(Date.now() + SESSION_LIFETIME_MS),
): Promise<string> {
  const id = `session-${randomUUID()}`;
  await db.insert(session).values({ id, userId, token: randomUUID(), expiresAt });
  return id;
}

export async function countTasks(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(task);
  return Number(row?.count);
}

export async function taskRows(db: Database, userId: string): Promise<TaskRow[]> {
  return db.select().from(task).where(sql`${task.userId} = ${userId}`);
}
