import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { type Database, openDatabase } from "../../functions/db/database";
import { task } from "../../functions/db/schema";
import type { Caller } from "../../functions/tasks/caller-session";
import {
  createTaskForUser,
  deleteTaskForUser,
  listTasksForUser,
  updateTaskForUser,
} from "../../functions/tasks/task-repository";
import { insertUser } from "../../infra/testing/table-rows";
import { type LatencySummary, summarize } from "./stats";

/**
 * 3a. What the session check costs: the tasks API's statements (each anchored on the
 *     `caller_session` CTE) beside the statements it ran before tokens named their session (the
 *     same queries without the CTE), on the same pool, the same rows, in alternating blocks.
 */
export const SESSION_CHECK_OPERATIONS = ["list", "create", "update", "delete"] as const;
export type SessionCheckOperation = (typeof SESSION_CHECK_OPERATIONS)[number];

export interface SessionCheckSide {
  checked: LatencySummary;
  unchecked: LatencySummary;
}

export interface SessionCheckResult {
  iterations: number;
  users: number;
  tasksPerUser: number;
  operations: Record<SessionCheckOperation, SessionCheckSide>;
}

/** The statements as the API ran them before the session check, for the baseline only. */
const uncheckedStatements = {
  list: (db: Database, caller: Caller) =>
    db
      .select()
      .from(task)
      .where(eq(task.userId, caller.userId))
      .orderBy(desc(task.createdAt), desc(task.id))
      .limit(21),
  create: (db: Database, caller: Caller) =>
    db
      .insert(task)
      .values({ userId: caller.userId, title: "bench", description: null })
      .returning(),
  update: (db: Database, caller: Caller, id: string) =>
    db
      .update(task)
      .set({
        completed: true,
        updatedAt: sql`greatest(now(), ${task.updatedAt} + interval '1 millisecond')`,
      })
      .where(and(eq(task.id, id), eq(task.userId, caller.userId)))
      .returning(),
  delete: (db: Database, caller: Caller, id: string) =>
    db
      .delete(task)
      .where(and(eq(task.id, id), eq(task.userId, caller.userId)))
      .returning({ id: task.id }),
};

const checkedStatements = {
  list: (db: Database, caller: Caller) => listTasksForUser(db, caller, { limit: 20 }),
  create: (db: Database, caller: Caller) =>
    createTaskForUser(db, caller, { title: "bench", description: null }),
  update: (db: Database, caller: Caller, id: string) =>
    updateTaskForUser(db, caller, id, { completed: true }),
  delete: (db: Database, caller: Caller, id: string) => deleteTaskForUser(db, caller, id),
};

const BLOCK = 50;

export async function benchSessionCheck(options: {
  databaseUrl: string;
  iterations: number;
  users: number;
  tasksPerUser: number;
}): Promise<SessionCheckResult> {
  const { iterations, users: userCount, tasksPerUser } = options;
  // The pool size a Lambda instance uses by default.
  const { db, close } = await openDatabase({ url: options.databaseUrl });
  try {
    const callers: Caller[] = [];
    for (let index = 0; index < userCount; index += 1) callers.push(await insertUser(db));
    // Every user has some tasks, so list reads a full page and the index has real depth.
    for (const caller of callers) {
      await db.insert(task).values(
        Array.from({ length: tasksPerUser }, (_, index) => ({
          userId: caller.userId,
          title: `seed ${index}`,
        })),
      );
    }
    const callerAt = (index: number) => callers[index % callers.length] as Caller;
    // Distinct rows per delete: each side deletes tasks created for it up front.
    const doomed = async (count: number) => {
      const ids: Array<{ caller: Caller; id: string }> = [];
      for (let index = 0; index < count; index += 1) {
        const caller = callerAt(index);
        const id = randomUUID();
        await db.insert(task).values({ id, userId: caller.userId, title: "doomed" });
        ids.push({ caller, id });
      }
      return ids;
    };
    // Only this section's users: the database may hold other sections' rows.
    const seededIds = await db
      .select({ id: task.id, userId: task.userId })
      .from(task)
      .where(
        inArray(
          task.userId,
          callers.map((caller) => caller.userId),
        ),
      );
    const updatable = seededIds.map(({ id, userId }) => ({
      id,
      caller: callers.find((caller) => caller.userId === userId) as Caller,
    }));

    const operations = {} as Record<SessionCheckOperation, SessionCheckSide>;
    for (const operation of SESSION_CHECK_OPERATIONS) {
      const targets =
        operation === "delete"
          ? { checked: await doomed(iterations), unchecked: await doomed(iterations) }
          : { checked: updatable, unchecked: updatable };
      const samples = { checked: [] as number[], unchecked: [] as number[] };
      const run = async (side: "checked" | "unchecked", index: number) => {
        const target = targets[side][index % targets[side].length] as {
          caller: Caller;
          id: string;
        };
        const statements = side === "checked" ? checkedStatements : uncheckedStatements;
        const started = performance.now();
        if (operation === "list") await statements.list(db, callerAt(index));
        else if (operation === "create") await statements.create(db, callerAt(index));
        else await statements[operation](db, target.caller, target.id);
        samples[side].push(performance.now() - started);
      };
      // Warm both statements (the driver's and the server's caches) before measuring.
      for (let index = 0; index < 20 && operation !== "delete"; index += 1) {
        await run("checked", index);
        await run("unchecked", index);
      }
      samples.checked.length = 0;
      samples.unchecked.length = 0;
      for (let start = 0; start < iterations; start += BLOCK) {
        const end = Math.min(iterations, start + BLOCK);
        const order: Array<"checked" | "unchecked"> =
          (start / BLOCK) % 2 === 0 ? ["checked", "unchecked"] : ["unchecked", "checked"];
        for (const side of order) {
          for (let index = start; index < end; index += 1) await run(side, index);
        }
      }
      operations[operation] = {
        checked: summarize(samples.checked),
        unchecked: summarize(samples.unchecked),
      };
    }
    return { iterations, users: userCount, tasksPerUser, operations };
  } finally {
    await close();
  }
}
