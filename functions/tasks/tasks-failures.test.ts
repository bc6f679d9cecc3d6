import { sql } from "drizzle-orm";
import { handle, type LambdaEvent } from "hono/aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewayResultToResponse, requestToGatewayEvent } from "../../infra/local/gateway-event";
import { createTestDatabase } from "../../infra/testing/database";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { captureLogs } from "../../infra/testing/logs";
import { closedPort } from "../../infra/testing/ports";
import { countTasks, insertUser, taskRows } from "../../infra/testing/table-rows";
import { createGatewayClient, type GatewayClient } from "../../infra/testing/tasks-client";
import { type Database, type DatabaseHandle, openDatabase } from "../db/database";
import type { GatewayResult } from "../shared/gateway-event";
import { createTasksApp, MAX_BODY_BYTES } from "./app";
import type { Caller } from "./caller-session";
import type { ErrorEnvelope, Task } from "./task-schemas";

/** A caller for databases that cannot be reached: no row is ever looked up. */
const STRANGER: Caller = { userId: "user-1", sessionId: "session-1" };

const TOKEN = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz";

/** Everything the functions log while `run` executes, as one text. */
async function loggedText(run: () => Promise<unknown>): Promise<string> {
  return (await captureLogs(run)).lines.join("\n");
}

/** A JSON body of exactly `size` bytes (padded with insignificant whitespace). */
function paddedBody(size: number): string {
  const start = '{"title":"edge of the limit"';
  return `${start}${" ".repeat(size - start.length - 1)}}`;
}

/** A database whose every use throws an error no classifier knows: the "anything unexpected" path. */
const EXPLODING_DATABASE = new Proxy(
  {},
  {
    get: () => {
      throw new Error("unexpected failure inside the driver");
    },
  },
) as Database;

describeEachEngine("tasks API failure handling on %s", (database) => {
  const call = createGatewayClient(database);

  it("reports a working database on /api/health with a real query", async () => {
    const response = await call("GET", "/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "ok" });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("accepts a body of exactly 16 KiB and refuses one byte more with 413, writing nothing", async () => {
    const owner = await insertUser(database.db);
    const atLimit = await call("POST", "/api/tasks", {
      as: owner,
      rawBody: paddedBody(MAX_BODY_BYTES),
      headers: { "content-type": "application/json" },
    });
    expect(atLimit.status).toBe(201);

    const before = await countTasks(database.db);
    for (const method of ["POST", "PATCH"]) {
      const path =
        method === "POST"
          ? "/api/tasks"
          : `/api/tasks/${((await atLimit.clone().json()) as Task).id}`;
      const response = await call(method, path, {
        as: owner,
        rawBody: paddedBody(MAX_BODY_BYTES + 1),
        headers: { "content-type": "application/json" },
      });
      expect(response.status, method).toBe(413);
      expect(await response.json()).toEqual({
        error: {
          code: "payload_too_large",
          message: `The body must be at most ${MAX_BODY_BYTES} bytes`,
        },
      });
    }
    expect(await countTasks(database.db)).toBe(before);
    expect((await taskRows(database.db, owner.id))[0]?.title).toBe("edge of the limit");
  });

  it("checks the actual size of a body, not only the Content-Length it claims", async () => {
    const owner = await insertUser(database.db);
    const app = createTasksApp({ db: database.db });
    const env = {
      requestContext: {
        requestId: "r1",
        authorizer: {
          lambda: { userId: owner.id, sessionId: owner.sessionId, verifyMs: 1 },
        },
      },
    };
    const before = await countTasks(database.db);
    // The event carries the client's header and API Gateway's body: the adapter counts the body.
    const understated = await call("POST", "/api/tasks", {
      as: owner,
      rawBody: paddedBody(MAX_BODY_BYTES * 4),
      headers: { "content-type": "application/json", "content-length": "20" },
    });
    expect(understated.status).toBe(413);
    // A streamed body announces no length at all.
    const streamed: RequestInit & { duplex: "half" } = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([paddedBody(MAX_BODY_BYTES * 4)]).stream(),
      duplex: "half",
    };
    const unannounced = await app.request("/api/tasks", streamed, env);
    expect(unannounced.status).toBe(413);
    expect(((await unannounced.json()) as ErrorEnvelope).error.code).toBe("payload_too_large");
    const overstated = await app.request(
      "/api/tasks",
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(1024 * 1024) },
        body: '{"title":"small"}',
      },
      env,
    );
    expect(overstated.status).toBe(413);
    expect(await countTasks(database.db)).toBe(before);
  });

  it("answers 401 SESSION_ENDED when a write loses the race with its account's deletion", async () => {
    const racing = await createTestDatabase(database.engine);
    try {
      const owner = await insertUser(racing.db);
      // The statement saw the session, then the user row vanished before the insert's foreign
      // key check: played here by a session row that outlives its user (no cascade).
      await racing.db.execute(sql`alter table session drop constraint session_user_id_user_id_fk`);
      await racing.db.execute(sql`delete from "user" where id = ${owner.id}`);
      const racingCall = createGatewayClient(racing);
      const logs = await loggedText(async () => {
        const response = await racingCall("POST", "/api/tasks", {
          as: owner,
          json: { title: "after deletion" },
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({
          error: { code: "SESSION_ENDED", message: "Your session has ended; sign in again" },
        });
      });
      expect(await countTasks(racing.db)).toBe(0);
      expect(logs).toContain('"code":"23503"');
      expect(logs).not.toContain(TOKEN);
    } finally {
      await racing.dispose();
    }
  });

  it("answers 400 invalid_request when the database refuses a value through a check constraint", async () => {
    const owner = await insertUser(database.db);
    // A rule only the database knows about stands in for schemas that drifted from the table.
    await database.db.execute(
      sql`alter table task add constraint task_test_only check (title <> 'refused by the database')`,
    );
    const before = await countTasks(database.db);
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "refused by the database" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "invalid_request", message: "The task breaks a rule of the database" },
    });
    expect(await countTasks(database.db)).toBe(before);
  });

  it("answers 500 internal without stack, SQL or token when something unexpected breaks", async () => {
    const broken = await createTestDatabase(database.engine);
    try {
      const owner = await insertUser(broken.db);
      // A schema the code does not expect: every task query now fails inside the database.
      await broken.db.execute(sql`alter table task rename column title to heading`);
      const brokenCall = createGatewayClient(broken);
      const bodies: string[] = [];
      const logs = await loggedText(async () => {
        for (const [method, path] of [
          ["POST", "/api/tasks"],
          ["GET", "/api/tasks"],
        ] as const) {
          const response = await brokenCall(method, path, {
            as: owner,
            requestId: `broken-${method}`,
            headers: { authorization: `Bearer ${TOKEN}` },
            ...(method === "POST" ? { json: { title: "secret title" } } : {}),
          });
          expect(response.status, method).toBe(500);
          expect(response.headers.get("x-request-id")).toBe(`broken-${method}`);
          const text = await response.text();
          bodies.push(text);
          expect(JSON.parse(text)).toEqual({
            error: { code: "internal", message: "Internal server error" },
          });
        }
      });
      for (const text of bodies) {
        expect(text).not.toMatch(/select|insert|heading|title"|\bat\s|\.ts:|stack/i);
        expect(text).not.toContain(TOKEN);
      }
      // The log says what failed (for operators) but never the token or the task's content.
      const lines = logs.split("\n").filter((line) => line.includes("broken-"));
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(entry).toMatchObject({ level: "ERROR", status: 500, code: "42703" });
      }
      expect(logs).not.toContain(TOKEN);
      expect(logs).not.toContain("secret title");
    } finally {
      await broken.dispose();
    }
  });

  it("sends X-Content-Type-Options: nosniff on every answer, success or error, through the Lambda handler", async () => {
    const owner = await insertUser(database.db);
    const created = await call("POST", "/api/tasks", { as: owner, json: { title: "sniffed?" } });
    const { id } = (await created.clone().json()) as Task;
    const exploding = createGatewayClient({ db: EXPLODING_DATABASE });
    /** A path no route of the table names, invoked as a catch-all integration would invoke it. */
    const unrouted = async () => {
      const request = new Request("https://api.example.test/api/no-such-route");
      const event = await requestToGatewayEvent(request, { routeKey: "$default" });
      const result = await handle(createTasksApp({ db: database.db }))(
        event as unknown as LambdaEvent,
      );
      return gatewayResultToResponse(result as GatewayResult);
    };
    // One after another: the 404 for the deleted task must follow its delete.
    const answers: Array<[string, () => Promise<Response>]> = [
      ["201 create", async () => created],
      ["200 list", () => call("GET", "/api/tasks", { as: owner })],
      ["200 openapi", () => call("GET", "/api/openapi.json")],
      ["200 health", () => call("GET", "/api/health")],
      ["204 delete", () => call("DELETE", `/api/tasks/${id}`, { as: owner })],
      ["400 invalid", () => call("POST", "/api/tasks", { as: owner, json: { title: "" } })],
      ["401 no authorizer context", () => call("GET", "/api/tasks")],
      ["404 unknown task", () => call("GET", `/api/tasks/${id}`, { as: owner })],
      ["404 no route", unrouted],
      [
        "413 too large",
        () =>
          call("POST", "/api/tasks", {
            as: owner,
            rawBody: paddedBody(MAX_BODY_BYTES + 1),
            headers: { "content-type": "application/json" },
          }),
      ],
      ["500 unexpected", () => exploding("GET", "/api/tasks", { as: owner })],
    ];
    const statuses: number[] = [];
    await loggedText(async () => {
      for (const [label, send] of answers) {
        const response = await send();
        statuses.push(response.status);
        expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
      }
    });
    expect(statuses).toEqual([201, 200, 200, 200, 204, 400, 401, 404, 404, 413, 500]);
  });

  it("answers 503 unavailable on every route when its database is gone, and health says so", async () => {
    const gone = await createTestDatabase(database.engine);
    const owner = await insertUser(gone.db);
    const goneCall = createGatewayClient(gone);
    await gone.dispose();
    await loggedText(() => expectUnavailable(goneCall, owner));
  });
});

async function expectUnavailable(call: GatewayClient, owner: Caller) {
  const health = await call("GET", "/api/health");
  expect(health.status).toBe(503);
  expect(await health.json()).toEqual({
    error: { code: "unavailable", message: "The database is unreachable" },
  });
  const requests: [string, string, unknown][] = [
    ["GET", "/api/tasks", undefined],
    ["POST", "/api/tasks", { title: "x" }],
    ["GET", "/api/tasks/7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a", undefined],
    ["PATCH", "/api/tasks/7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a", { completed: true }],
    ["DELETE", "/api/tasks/7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a", undefined],
  ];
  for (const [method, path, json] of requests) {
    const response = await call(method, path, { as: owner, json });
    expect(response.status, `${method} ${path}`).toBe(503);
    expect(response.headers.get("x-content-type-options"), `${method} ${path}`).toBe("nosniff");
    expect(((await response.json()) as ErrorEnvelope).error.code).toBe("unavailable");
  }
}

describe("tasks API with a database that cannot be reached through the Neon driver", () => {
  let handle: DatabaseHandle;
  const password = "hunter2-not-a-real-password";

  beforeAll(async () => {
    handle = await openDatabase({
      url: `postgres://tasks:${password}@127.0.0.1:${await closedPort()}/tasks`,
    });
  });
  afterAll(async () => {
    await handle.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("answers 503 unavailable on health and on every task route", async () => {
    const call = createGatewayClient(handle);
    const logs = await loggedText(() => expectUnavailable(call, STRANGER));
    expect(logs).toContain('"status":503');
    expect(logs).not.toContain(password);
  });

  it("answers 503 unavailable when the database host does not resolve", async () => {
    const unresolvable = await openDatabase({
      url: `postgres://tasks:${password}@db.nonexistent.invalid/tasks`,
    });
    try {
      const call = createGatewayClient(unresolvable);
      const logs = await loggedText(() => expectUnavailable(call, STRANGER));
      expect(logs).not.toContain(password);
    } finally {
      await unresolvable.close();
    }
  });
});
