import { beforeEach, expect, it } from "vitest";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { countTasks, insertUser, type TestUser, taskRows } from "../../infra/testing/table-rows";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import type { AuthorizerContext } from "../shared/gateway-event";
import type { ErrorEnvelope, Task, TaskPage } from "./task-schemas";

describeEachEngine("per-user isolation on %s", (database) => {
  const call = createGatewayClient(database);
  let alice: TestUser;
  let bob: TestUser;
  let alicesTask: Task;

  beforeEach(async () => {
    alice = await insertUser(database.db, "Alice");
    bob = await insertUser(database.db, "Bob");
    const response = await call("POST", "/api/tasks", {
      as: alice,
      json: { title: "Alice's secret", description: "only for Alice" },
    });
    alicesTask = (await response.json()) as Task;
    await call("POST", "/api/tasks", { as: bob, json: { title: "Bob's own" } });
  });

  async function expectAlicesTaskUnchanged() {
    const [row] = await taskRows(database.db, alice.id);
    expect(row).toMatchObject({
      id: alicesTask.id,
      userId: alice.id,
      title: "Alice's secret",
      description: "only for Alice",
      completed: false,
    });
    expect(row?.updatedAt.toISOString()).toBe(alicesTask.updatedAt);
    const own = await call("GET", `/api/tasks/${alicesTask.id}`, { as: alice });
    expect(await own.json()).toEqual(alicesTask);
  }

  async function expectNotFound(response: Response) {
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.code).toBe("not_found");
    // The same answer as for an id that never existed: nothing reveals that the task exists.
    expect(body).toEqual({ error: { code: "not_found", message: "Task not found" } });
  }

  it("answers 404 when Bob reads Alice's task", async () => {
    await expectNotFound(await call("GET", `/api/tasks/${alicesTask.id}`, { as: bob }));
    await expectAlicesTaskUnchanged();
  });

  it("answers 404 when Bob updates Alice's task, and leaves it unchanged", async () => {
    const response = await call("PATCH", `/api/tasks/${alicesTask.id}`, {
      as: bob,
      json: { title: "pwned", description: null, completed: true },
    });
    await expectNotFound(response);
    await expectAlicesTaskUnchanged();
  });

  it("answers 404 when Bob deletes Alice's task, and leaves it in place", async () => {
    await expectNotFound(await call("DELETE", `/api/tasks/${alicesTask.id}`, { as: bob }));
    await expectAlicesTaskUnchanged();
  });

  it("never lists Alice's tasks to Bob, whatever the filter or page size", async () => {
    for (const query of ["", "?completed=false", "?completed=true", "?limit=100"]) {
      const response = await call("GET", `/api/tasks${query}`, { as: bob });
      expect(response.status).toBe(200);
      const page = (await response.json()) as TaskPage;
      expect(page.items.map((item) => item.id)).not.toContain(alicesTask.id);
      for (const item of page.items) expect(item.title).not.toBe("Alice's secret");
    }
    await expectAlicesTaskUnchanged();
  });

  it("files a task Bob creates under Bob, never under Alice", async () => {
    const response = await call("POST", "/api/tasks", { as: bob, json: { title: "Mine" } });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Task;
    expect((await taskRows(database.db, bob.id)).map((row) => row.id)).toContain(created.id);
    expect((await taskRows(database.db, alice.id)).map((row) => row.id)).toEqual([alicesTask.id]);
    await expectNotFound(await call("GET", `/api/tasks/${created.id}`, { as: alice }));
    await expectAlicesTaskUnchanged();
  });

  it("refuses a userId in a create body instead of filing the task under that user", async () => {
    const before = await countTasks(database.db);
    const response = await call("POST", "/api/tasks", {
      as: bob,
      json: { title: "Planted", userId: alice.id },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details).toContainEqual(
      expect.objectContaining({ location: "body", field: "userId" }),
    );
    expect(await countTasks(database.db)).toBe(before);
    await expectAlicesTaskUnchanged();
  });

  it("refuses a userId in an update body, so a task cannot be moved to another user", async () => {
    const [bobsTask] = await taskRows(database.db, bob.id);
    const response = await call("PATCH", `/api/tasks/${bobsTask?.id}`, {
      as: bob,
      json: { userId: alice.id },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorEnvelope).error.details).toContainEqual(
      expect.objectContaining({ field: "userId" }),
    );
    expect((await taskRows(database.db, bob.id)).map((row) => row.id)).toContain(bobsTask?.id);
    expect((await taskRows(database.db, alice.id)).map((row) => row.id)).toEqual([alicesTask.id]);
  });

  it("ignores identity claims in headers: only the authorizer context names the caller", async () => {
    const response = await call("GET", `/api/tasks/${alicesTask.id}`, {
      as: bob,
      headers: { "x-user-id": alice.id, "x-amzn-oidc-identity": alice.id },
    });
    await expectNotFound(response);
  });

  const taskRoutes = [
    { method: "GET", path: () => "/api/tasks" },
    { method: "POST", path: () => "/api/tasks", json: { title: "forged" } },
    { method: "GET", path: (id: string) => `/api/tasks/${id}` },
    { method: "PATCH", path: (id: string) => `/api/tasks/${id}`, json: { completed: true } },
    { method: "DELETE", path: (id: string) => `/api/tasks/${id}` },
  ];

  it.each(taskRoutes)(
    "answers 401 with the envelope to a $method invocation without authorizer context",
    async ({ method, path, json }) => {
      const before = await countTasks(database.db);
      const response = await call(method, path(alicesTask.id), {
        json,
        headers: { authorization: "Bearer forged", "x-user-id": alice.id },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: "unauthorized", message: "Authentication required" },
      });
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(await countTasks(database.db)).toBe(before);
      await expectAlicesTaskUnchanged();
    },
  );

  it.each<{ name: string; authorizer: AuthorizerContext }>([
    { name: "an empty userId", authorizer: { userId: "", sessionId: "session-1", verifyMs: 1 } },
    { name: "a numeric userId", authorizer: { userId: 42, sessionId: "session-1", verifyMs: 1 } },
    { name: "no userId", authorizer: { sessionId: "session-1", verifyMs: 1 } },
    { name: "no sessionId", authorizer: { userId: "user-1", verifyMs: 1 } },
    { name: "an empty sessionId", authorizer: { userId: "user-1", sessionId: "", verifyMs: 1 } },
  ])("answers 401 to an authorizer context with $name", async ({ authorizer }) => {
    const before = await countTasks(database.db);
    for (const method of ["GET", "POST"]) {
      const response = await call(method, "/api/tasks", {
        authorizer,
        ...(method === "POST" ? { json: { title: "x" } } : {}),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorEnvelope).error.code).toBe("unauthorized");
    }
    expect(await countTasks(database.db)).toBe(before);
  });

  it("keeps each user's list to their own tasks when both have many", async () => {
    for (let index = 0; index < 5; index += 1) {
      await call("POST", "/api/tasks", { as: alice, json: { title: `a${index}` } });
      await call("POST", "/api/tasks", { as: bob, json: { title: `b${index}` } });
    }
    const alicesIds = new Set((await taskRows(database.db, alice.id)).map((row) => row.id));
    const bobsIds = new Set((await taskRows(database.db, bob.id)).map((row) => row.id));
    const bobsPage = (await (
      await call("GET", "/api/tasks?limit=100", { as: bob })
    ).json()) as TaskPage;
    expect(new Set(bobsPage.items.map((item) => item.id))).toEqual(bobsIds);
    const alicesPage = (await (
      await call("GET", "/api/tasks?limit=100", { as: alice })
    ).json()) as TaskPage;
    expect(new Set(alicesPage.items.map((item) => item.id))).toEqual(alicesIds);
  });
});
