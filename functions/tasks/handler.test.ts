import type { LambdaEvent } from "hono/aws-lambda";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { gatewayResultToResponse, requestToGatewayEvent } from "../../infra/local/gateway-event";
import { insertUser } from "../../infra/testing/tasks-client";
import { closeSharedDatabases, openDatabase } from "../db/database";
import { runMigrations } from "../db/migrate";
import type { Environment } from "../shared/config";
import type { GatewayResult } from "../shared/gateway-event";
import { tasksConfig, tasksEnvironment } from "./config";
import type { Task, TaskPage } from "./task-schemas";

type Entry = typeof import("./handler");
let coldStarts = 0;

/** Evaluates the entry afresh with exactly this environment, as a Lambda cold start would. */
async function loadEntry(env: Environment): Promise<Entry> {
  for (const { variable } of Object.values(tasksConfig.settings))
    vi.stubEnv(variable, env[variable]);
  coldStarts += 1;
  return (await import(/* @vite-ignore */ `./handler.ts?cold-start=${coldStarts}`)) as Entry;
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

    const invoke = async (request: Request, routeKey: string, userId?: string) => {
      const event = await requestToGatewayEvent(request, {
        routeKey,
        ...(userId ? { authorizer: { userId, verifyMs: 0.5 } } : {}),
      });
      return gatewayResultToResponse(
        (await handler(event as unknown as LambdaEvent)) as GatewayResult,
      );
    };

    const health = await invoke(new Request("https://api.test/api/health"), "GET /api/health");
    expect(await health.json()).toEqual({ status: "ok", database: "ok" });

    const created = await invoke(
      new Request("https://api.test/api/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "through the entry" }),
      }),
      "POST /api/tasks",
      owner,
    );
    expect(created.status).toBe(201);
    const task = (await created.json()) as Task;
    const list = await invoke(new Request("https://api.test/api/tasks"), "GET /api/tasks", owner);
    expect(((await list.json()) as TaskPage).items).toEqual([task]);
  });

  it("without a database URL in the environment or bound as an SST secret, refuses to start and names it", async () => {
    const { variable } = tasksConfig.settings.databaseUrl;
    await expect(loadEntry(tasksEnvironment())).rejects.toThrow(
      new RegExp(`tasks function's settings are invalid: ${variable} is not set`),
    );
  });
});
