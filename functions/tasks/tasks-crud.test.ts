import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, expect, it, vi } from "vitest";
import { z } from "zod";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { captureLogs } from "../../infra/testing/logs";
import { countTasks, insertUser } from "../../infra/testing/table-rows";
import { createGatewayClient, TEST_VERIFY_MS } from "../../infra/testing/tasks-client";
import { task } from "../db/schema";
import { type Task, TaskSchema } from "./task-schemas";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describeEachEngine("tasks API on %s", (database) => {
  const call = createGatewayClient(database);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("creates a task with 201, a Location header and the trimmed title", async () => {
    const owner = await insertUser(database.db);
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "  Buy milk \n", description: "2 litres" },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Task;
    expect(response.headers.get("location")).toBe(`/api/tasks/${created.id}`);
    expect(created).toMatchObject({ title: "Buy milk", description: "2 litres", completed: false });
    expect(created.createdAt).toMatch(ISO);
    expect(created.updatedAt).toBe(created.createdAt);
    // Exactly the contract's fields, each of the contract's type.
    expect(z.strictObject(TaskSchema.shape).safeParse(created).error).toBeUndefined();
    const [row] = await database.db.select().from(task).where(eq(task.id, created.id));
    expect(row).toMatchObject({ userId: owner.id, title: "Buy milk" });
  });

  it("stores a missing description as null and accepts an explicit null", async () => {
    const owner = await insertUser(database.db);
    const withoutDescription = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "a" },
    });
    expect(((await withoutDescription.json()) as Task).description).toBeNull();
    const withNull = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "b", description: null },
    });
    expect(withNull.status).toBe(201);
    expect(((await withNull.json()) as Task).description).toBeNull();
  });

  it("accepts a JSON content type with parameters", async () => {
    const owner = await insertUser(database.db);
    const response = await call("POST", "/api/tasks", {
      as: owner,
      rawBody: JSON.stringify({ title: "charset" }),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(response.status).toBe(201);
  });

  it("reads a task back exactly as it was created", async () => {
    const owner = await insertUser(database.db);
    const created = (await (
      await call("POST", "/api/tasks", { as: owner, json: { title: "Read me" } })
    ).json()) as Task;
    const response = await call("GET", `/api/tasks/${created.id}`, { as: owner });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);
  });

  it("accepts an upper-case task id", async () => {
    const owner = await insertUser(database.db);
    const created = (await (
      await call("POST", "/api/tasks", { as: owner, json: { title: "Case" } })
    ).json()) as Task;
    const response = await call("GET", `/api/tasks/${created.id.toUpperCase()}`, { as: owner });
    expect(response.status).toBe(200);
  });

  it("updates only the given fields and moves updatedAt forward", async () => {
    const owner = await insertUser(database.db);
    const created = (await (
      await call("POST", "/api/tasks", { as: owner, json: { title: "Draft", description: "d" } })
    ).json()) as Task;

    const completed = await call("PATCH", `/api/tasks/${created.id}`, {
      as: owner,
      json: { completed: true },
    });
    expect(completed.status).toBe(200);
    const afterFirst = (await completed.json()) as Task;
    expect(afterFirst).toMatchObject({ title: "Draft", description: "d", completed: true });
    expect(afterFirst.createdAt).toBe(created.createdAt);
    expect(Date.parse(afterFirst.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));

    const renamed = await call("PATCH", `/api/tasks/${created.id}`, {
      as: owner,
      json: { title: "  Final  ", description: null },
    });
    const afterSecond = (await renamed.json()) as Task;
    expect(afterSecond).toMatchObject({ title: "Final", description: null, completed: true });
    expect(Date.parse(afterSecond.updatedAt)).toBeGreaterThan(Date.parse(afterFirst.updatedAt));

    const reopened = await call("PATCH", `/api/tasks/${created.id}`, {
      as: owner,
      json: { completed: false },
    });
    expect(((await reopened.json()) as Task).completed).toBe(false);
  });

  it("deletes with 204 and an empty body, then answers 404", async () => {
    const owner = await insertUser(database.db);
    const created = (await (
      await call("POST", "/api/tasks", { as: owner, json: { title: "Temporary" } })
    ).json()) as Task;
    const before = await countTasks(database.db);
    const response = await call("DELETE", `/api/tasks/${created.id}`, { as: owner });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(await countTasks(database.db)).toBe(before - 1);
    const again = await call("DELETE", `/api/tasks/${created.id}`, { as: owner });
    expect(again.status).toBe(404);
    expect((await call("GET", `/api/tasks/${created.id}`, { as: owner })).status).toBe(404);
  });

  it("answers 404 not_found for an unknown id and for an id that is not a uuid", async () => {
    const owner = await insertUser(database.db);
    for (const id of [randomUUID(), "not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g"]) {
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const response = await call(method, `/api/tasks/${id}`, {
          as: owner,
          ...(method === "PATCH" ? { json: { completed: true } } : {}),
        });
        expect(response.status, `${method} ${id}`).toBe(404);
        expect(await response.json()).toEqual({
          error: { code: "not_found", message: "Task not found" },
        });
      }
    }
  });

  it("returns Server-Timing with the authorizer's verify time on every authorized response", async () => {
    const owner = await insertUser(database.db);
    const created = await call("POST", "/api/tasks", { as: owner, json: { title: "Timed" } });
    const id = ((await created.json()) as Task).id;
    const responses = [
      created,
      await call("GET", "/api/tasks", { as: owner }),
      await call("GET", `/api/tasks/${id}`, { as: owner }),
      await call("PATCH", `/api/tasks/${id}`, { as: owner, json: { completed: true } }),
      await call("GET", `/api/tasks/${randomUUID()}`, { as: owner }),
      await call("POST", "/api/tasks", { as: owner, json: { title: "" } }),
      await call("DELETE", `/api/tasks/${id}`, { as: owner }),
    ];
    for (const response of responses) {
      expect(response.headers.get("server-timing")).toBe(`verify;dur=${TEST_VERIFY_MS}`);
    }
    expect((await call("GET", "/api/health")).headers.get("server-timing")).toBeNull();
  });

  it("omits Server-Timing when the authorizer reports no verify time", async () => {
    const owner = await insertUser(database.db);
    const response = await call("GET", "/api/tasks", {
      authorizer: { userId: owner.id, sessionId: owner.sessionId },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("server-timing")).toBeNull();
  });

  it("echoes API Gateway's request id in x-request-id and in one log line per request", async () => {
    const owner = await insertUser(database.db);
    const logged: string[] = [];
    const token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const cases = [
      {
        method: "POST",
        path: "/api/tasks",
        options: { as: owner, json: { title: "secret plan" } },
      },
      { method: "GET", path: `/api/tasks/${randomUUID()}`, options: { as: owner } },
      { method: "GET", path: "/api/tasks", options: {} },
      { method: "GET", path: "/api/health", options: {} },
    ];
    for (const { method, path, options } of cases) {
      const requestId = `req-${randomUUID()}`;
      const { value: response, lines } = await captureLogs(() =>
        call(method, path, {
          ...options,
          requestId,
          headers: {
            authorization: `Bearer ${token}`,
            cookie: "session=abc",
            // A client's own id is never taken for API Gateway's.
            "x-request-id": "client-chosen",
          },
        }),
      );
      logged.push(...lines);
      expect(response.headers.get("x-request-id")).toBe(requestId);
      const mine = lines.filter((line) => line.includes(requestId));
      expect(mine, `${method} ${path}`).toHaveLength(1);
      const entry = JSON.parse(mine[0] as string) as Record<string, unknown>;
      expect(entry).toMatchObject({
        message: "request",
        service: "api",
        correlation_id: requestId,
        method,
        status: response.status,
        route: expect.stringContaining("/api/"),
      });
      expect(typeof entry.durationMs).toBe("number");
    }
    const all = logged.join("");
    expect(all).not.toContain(token);
    expect(all).not.toContain("secret plan");
    expect(all).not.toContain("session=abc");
  });

  it("never caches responses that hold a user's data", async () => {
    const owner = await insertUser(database.db);
    const response = await call("GET", "/api/tasks", { as: owner });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});
