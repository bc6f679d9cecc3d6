import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { insertUser, type TestUser } from "../../infra/testing/table-rows";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import { task } from "../db/schema";
import { encodeListCursor } from "./list-cursor";
import { listTasksQuery } from "./task-repository";
import type { ErrorEnvelope, Task, TaskPage } from "./task-schemas";

/** Newest first: createdAt descending, ties broken by id descending. */
/** A cursor in this API's own encoding, with any date. */
function cursorAt(createdAt: unknown, id = "7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a"): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

function isNewestFirst(items: Task[]): boolean {
  return items.every((item, index) => {
    const previous = items[index - 1];
    if (!previous) return true;
    if (previous.createdAt !== item.createdAt) return previous.createdAt > item.createdAt;
    return previous.id > item.id;
  });
}

describeEachEngine("task list pagination on %s", (database) => {
  const call = createGatewayClient(database);

  async function createTasks(owner: TestUser, count: number, prefix = "task"): Promise<Task[]> {
    const created: Task[] = [];
    for (let index = 0; index < count; index += 1) {
      const response = await call("POST", "/api/tasks", {
        as: owner,
        json: { title: `${prefix} ${index}` },
      });
      expect(response.status).toBe(201);
      created.push((await response.json()) as Task);
    }
    return created;
  }

  async function getPage(owner: TestUser, query: string): Promise<TaskPage> {
    const response = await call("GET", `/api/tasks?${query}`, { as: owner });
    expect(response.status, query).toBe(200);
    return (await response.json()) as TaskPage;
  }

  /** Follows nextCursor to the end; `between` runs after each page (to insert meanwhile). */
  async function readAllPages(
    owner: TestUser,
    query: string,
    between: (pageNumber: number) => Promise<unknown> = async () => {},
  ): Promise<TaskPage[]> {
    const pages: TaskPage[] = [];
    let cursor: string | null = null;
    do {
      const page = await getPage(
        owner,
        `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      pages.push(page);
      cursor = page.nextCursor;
      await between(pages.length);
    } while (cursor && pages.length < 50);
    return pages;
  }

  it("returns 26 tasks paged by 10 exactly once each, newest first", async () => {
    const owner = await insertUser(database.db);
    const created = await createTasks(owner, 26);
    const pages = await readAllPages(owner, "limit=10");
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 6]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    const seen = pages.flatMap((page) => page.items);
    expect(seen.map((item) => item.id).sort()).toEqual(created.map((item) => item.id).sort());
    expect(isNewestFirst(seen)).toBe(true);
    const newest = created
      .map((item) => item.createdAt)
      .sort()
      .at(-1);
    expect(seen[0]?.createdAt).toBe(newest);
  });

  it("uses the default page size of 20 and a single page when everything fits", async () => {
    const owner = await insertUser(database.db);
    await createTasks(owner, 21);
    const first = await getPage(owner, "");
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).not.toBeNull();
    const all = await getPage(owner, "limit=21");
    expect(all.items).toHaveLength(21);
    expect(all.nextCursor).toBeNull();
  });

  it("returns an empty page with no cursor for a user without tasks", async () => {
    const owner = await insertUser(database.db);
    expect(await getPage(owner, "limit=10")).toEqual({ items: [], nextCursor: null });
  });

  it("stays gap-free and duplicate-free when tasks are inserted between page reads", async () => {
    const owner = await insertUser(database.db);
    const original = await createTasks(owner, 26, "original");
    const pages = await readAllPages(owner, "limit=10", (pageNumber) =>
      createTasks(owner, 4, `inserted after page ${pageNumber}`),
    );
    const seen = pages.flatMap((page) => page.items);
    const ids = seen.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of original) expect(ids.filter((id) => id === task.id)).toHaveLength(1);
    // Tasks created while paging are newer than the first page, so they never appear mid-list.
    expect(seen.filter((item) => item.title.startsWith("inserted"))).toEqual([]);
    expect(isNewestFirst(seen)).toBe(true);
  });

  it("stays gap-free and duplicate-free while inserts run concurrently", async () => {
    const owner = await insertUser(database.db);
    const original = await createTasks(owner, 26, "original");
    const [pages] = await Promise.all([
      readAllPages(owner, "limit=10"),
      Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          call("POST", "/api/tasks", { as: owner, json: { title: `concurrent ${index}` } }),
        ),
      ),
    ]);
    const seen = pages.flatMap((page) => page.items);
    const ids = seen.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of original) expect(ids.filter((id) => id === task.id)).toHaveLength(1);
    expect(isNewestFirst(seen)).toBe(true);
  });

  it("breaks ties on identical timestamps by id, so no task is skipped or repeated", async () => {
    const owner = await insertUser(database.db);
    const sameInstant = new Date("2026-01-01T00:00:00.000Z");
    const rows = await database.db
      .insert(task)
      .values(
        Array.from({ length: 26 }, (_, index) => ({
          userId: owner.id,
          title: `tie ${index}`,
          createdAt: sameInstant,
          updatedAt: sameInstant,
        })),
      )
      .returning({ id: task.id });
    const pages = await readAllPages(owner, "limit=10");
    const seen = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(seen).toEqual(
      rows
        .map((row) => row.id)
        .sort()
        .reverse(),
    );
  });

  it("filters by completed=true and completed=false across pages", async () => {
    const owner = await insertUser(database.db);
    const created = await createTasks(owner, 13);
    const done = created.filter((_, index) => index % 3 === 0);
    for (const item of done) {
      await call("PATCH", `/api/tasks/${item.id}`, { as: owner, json: { completed: true } });
    }
    const completedPages = await readAllPages(owner, "limit=2&completed=true");
    const completedIds = completedPages.flatMap((page) => page.items.map((item) => item.id));
    expect(completedIds.sort()).toEqual(done.map((item) => item.id).sort());
    expect(completedPages.flatMap((page) => page.items).every((item) => item.completed)).toBe(true);

    const openPages = await readAllPages(owner, "limit=4&completed=false");
    const openItems = openPages.flatMap((page) => page.items);
    expect(openItems).toHaveLength(created.length - done.length);
    expect(openItems.every((item) => !item.completed)).toBe(true);
    expect(isNewestFirst(openItems)).toBe(true);
  });

  it.each([
    { name: "garbage", cursor: () => "not a cursor!" },
    { name: "valid base64url that is not JSON", cursor: () => "bm90IGpzb24" },
    { name: "a truncated cursor", cursor: (real: string) => real.slice(0, -4) },
    { name: "a cursor with a character flipped", cursor: (real: string) => `A${real.slice(1)}` },
    {
      name: "a cursor whose id is not a uuid",
      cursor: () =>
        Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z", "1 or 1=1"])).toString("base64url"),
    },
    {
      name: "a cursor with an impossible date",
      cursor: () =>
        Buffer.from(
          JSON.stringify(["2026-02-31T00:00:00.000Z", "7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a"]),
        ).toString("base64url"),
    },
    {
      name: "a cursor of the wrong shape",
      cursor: () => Buffer.from(JSON.stringify({ offset: 10 })).toString("base64url"),
    },
    { name: "an overlong cursor", cursor: () => "A".repeat(500) },
    { name: "an empty cursor", cursor: () => "" },
    // Dates JavaScript accepts but PostgreSQL cannot hold, or no task can have.
    { name: "a cursor dated year 0000", cursor: () => cursorAt("0000-01-01T00:00:00.000Z") },
    {
      name: "a cursor dated a negative year",
      cursor: () => cursorAt("-000001-01-01T00:00:00.000Z"),
    },
    { name: "a cursor dated year 275760", cursor: () => cursorAt("+275760-09-13T00:00:00.000Z") },
    {
      name: "a cursor dated past year 275760",
      cursor: () => cursorAt("+275761-01-01T00:00:00.000Z"),
    },
    { name: "a cursor dated year 10000", cursor: () => cursorAt("+010000-01-01T00:00:00.000Z") },
    { name: "a cursor dated before 1970", cursor: () => cursorAt("1969-12-31T23:59:59.999Z") },
    { name: "a cursor dated NaN", cursor: () => cursorAt("NaN") },
    { name: "a cursor with a numeric date", cursor: () => cursorAt(8.64e15) },
  ])("answers 400 invalid_request to $name", async ({ cursor }) => {
    const owner = await insertUser(database.db);
    await createTasks(owner, 3);
    const real = (await getPage(owner, "limit=1")).nextCursor as string;
    expect(real).toBeTruthy();
    const response = await call(
      "GET",
      `/api/tasks?limit=1&cursor=${encodeURIComponent(cursor(real))}`,
      { as: owner },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details).toContainEqual(
      expect.objectContaining({ location: "query", field: "cursor" }),
    );
  });

  it.each(["1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"])(
    "accepts a cursor at the edge of the range, %s",
    async (createdAt) => {
      const owner = await insertUser(database.db);
      await createTasks(owner, 2);
      const response = await call("GET", `/api/tasks?limit=1&cursor=${cursorAt(createdAt)}`, {
        as: owner,
      });
      expect(response.status).toBe(200);
    },
  );

  it("serves the list query from task_user_created_idx", async () => {
    const owner = await insertUser(database.db);
    const query = listTasksQuery(database.db, owner, {
      limit: 10,
      after: { createdAt: new Date(), id: "7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a" },
      completed: false,
    });
    const plan = await database.db.transaction(async (tx) => {
      // Tiny test tables favour sequential scans; forbid them to see which index the planner picks.
      await tx.execute(sql`set local enable_seqscan = off`);
      return tx.execute(sql`explain ${query}`);
    });
    const rows = Array.isArray(plan) ? plan : (plan as { rows: unknown[] }).rows;
    const text = JSON.stringify(rows);
    expect(text).toContain("task_user_created_idx");
    // The cursor condition is part of the index scan itself, not a filter applied afterwards.
    expect(text).toMatch(/Index Cond: \(\(user_id = [^"]*ROW\(created_at, id\) </);
  });

  it("writes cursors that decode back to the last task of the page", async () => {
    const owner = await insertUser(database.db);
    await createTasks(owner, 2);
    const page = await getPage(owner, "limit=1");
    const last = page.items[0] as Task;
    expect(page.nextCursor).toBe(
      encodeListCursor({ createdAt: new Date(last.createdAt), id: last.id }),
    );
  });
});
