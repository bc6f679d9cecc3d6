import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { coldStartWith } from "../../infra/testing/cold-start";
import { honoLambda, lambdaClient } from "../../infra/testing/gateway-events";
import { insertUser, type TestUser } from "../../infra/testing/table-rows";
import { closeSharedDatabases, openDatabase } from "../db/database";
import { runMigrations } from "../db/migrate";
import type { Environment } from "../shared/config";
import { tasksConfig, tasksEnvironment } from "./config";
import type { Task, TaskPage } from "./task-schemas";

type Entry = typeof import("./handler");

/** Evaluates the entry afresh with exactly this environment, as a Lambda cold start would. */
function loadEntry(env: Environment): Promise<Entry> {
  return coldStartWith<Entry>(new URL("./handler.ts", import.meta.url), tasksConfig, env);
}

describe("the tasks Lambda entry", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await closeSharedDatabases();
  });

  it("reads the database URL once at load and serves API Gateway events with it", async () => {
    const url = "memory:tasks-handler-entry";
    const { db } = await openDatabase({ url });
    await runMigrations(db);
    const owner = await insertUser(db);
    const { handler } = await loadEntry(tasksEnvironment({ databaseUrl: url }));

    const api = lambdaClient("api", honoLambda(handler));
    const invoke = (request: Request, caller?: TestUser) =>
      api(
        request,
        caller
          ? { authorizer: { userId: caller.id, sessionId: caller.sessionId, verifyMs: 0.5 } }
          : {},
      );

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
    expect(((await list.json()) as TaskPage).items).toEqual([task]);
  });

  it("without a database URL in the environment or bound as an SST secret, refuses to start and names it", async () => {
    const { variable } = tasksConfig.settings.databaseUrl;
    await expect(loadEntry(tasksEnvironment())).rejects.toThrow(
      new RegExp(`tasks function's settings are invalid: ${variable} is not set`),
    );
  });
});
