import { afterAll, describe, expect, it, vi } from "vitest";
import { honoLambda, lambdaClient } from "../../infra/testing/gateway-events";
import { insertUser } from "../../infra/testing/table-rows";
import { closeSharedDatabases, openDatabase } from "../db/database";
import { runMigrations } from "../db/migrate";
import type { Task } from "./task-schemas";

describe("the tasks Lambda entry", () => {
  afterAll(async () => {
    vi.unstubAllEnvs();
    await closeSharedDatabases();
  });

  it("reads DATABASE_URL once at load and serves API Gateway events with it", async () => {
    const url = "memory:tasks-handler-entry";
    const { db } = await openDatabase({ url });
    await runMigrations(db);
    const owner = await insertUser(db);
    vi.stubEnv("DATABASE_URL", url);
    const { handler } = await import("./handler");

    const api = lambdaClient("api", honoLambda(handler));
    const invoke = (request: Request, userId?: string) =>
      api(request, userId ? { authorizer: { userId, verifyMs: 0.5 } } : {});

    const health = await invoke(new Request("https://api.test/api/health"));
    expect(await health.json()).toEqual({ status: "ok", database: "ok" });

    const created = await invoke(
      new Request("https://api.test/api/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "through the entry" }),
      }),
      owner,
    );
    expect(created.status).toBe(201);
    const task = (await created.json()) as Task;
    const list = await invoke(new Request("https://api.test/api/tasks"), owner);
    expect(((await list.json()) as { items: Task[] }).items).toEqual([task]);
  });
});
