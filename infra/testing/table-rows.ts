import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "../../functions/db/database";
import { type TaskRow, task, user } from "../../functions/db/schema";

/** Rows written and read straight in the tables, behind the API's back, to set up and check tests. */

/** Inserts a row in "user" directly (Better Auth's own flows are tested by the auth function). */
export async function insertUser(db: Database, name = "Test user"): Promise<string> {
  const id = randomUUID();
  await db.insert(user).values({ id, name, email: `${id}@example.test` });
  return id;
}

export async function countTasks(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(task);
  return Number(row?.count);
}

export async function taskRows(db: Database, userId: string): Promise<TaskRow[]> {
  return db.select().from(task).where(sql`${task.userId} = ${userId}`);
}
