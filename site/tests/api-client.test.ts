/**
 * The site's API plumbing, run in Node with scripted HTTP answers: token reuse and expiry,
 * the single retry after 401/403, and how failures reach the page.
 */
import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  PASSWORD_MAX_LENGTH as AUTH_PASSWORD_MAX,
  PASSWORD_MIN_LENGTH as AUTH_PASSWORD_MIN,
} from "../../functions/auth/create-auth";
import {
  TASK_DESCRIPTION_MAX as SCHEMA_DESCRIPTION_MAX,
  TASK_TITLE_MAX as SCHEMA_TITLE_MAX,
} from "../../functions/db/schema";
import type { Task } from "../../functions/tasks/task-schemas";
import { createAccessTokenSource, REFRESH_BEFORE_EXPIRY_MS } from "../src/scripts/access-token";
import { ApiError, fieldErrorsFrom } from "../src/scripts/api-error";
import { createTasksApi, TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "../src/scripts/tasks-api";
import { checkEmail, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../src/scripts/validation";

function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "EdDSA" })}.${encode(claims)}.c2lnbmF0dXJl`;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A fetch that answers from a script and records every request. */
function scriptedFetch(answer: (url: string, init: RequestInit, call: number) => Response) {
  const calls: Array<{ url: string; authorization: string | null; method: string }> = [];
  const fetchImpl: typeof fetch = async (input, init = {}) => {
    const url = String(input);
    const headers = new Headers(init.headers);
    calls.push({ url, authorization: headers.get("authorization"), method: init.method ?? "GET" });
    return answer(url, init, calls.length);
  };
  return { fetchImpl, calls };
}

const task: Task = {
  id: "6f1c1f52-8a1e-4a53-9d55-0d4ab0a1c001",
  title: "Write tests",
  description: null,
  completed: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

describe("access tokens", () => {
  it("reuses a token until a minute before it expires, then fetches a new one", async () => {
    let now = 1_000_000_000_000;
    const exp = now / 1000 + 15 * 60;
    let issued = 0;
    const { fetchImpl, calls } = scriptedFetch(() =>
      json(200, { token: jwt({ exp, n: ++issued }) }),
    );
    const tokens = createAccessTokenSource({ fetchImpl, now: () => now });

    const first = await tokens.get();
    now = exp * 1000 - REFRESH_BEFORE_EXPIRY_MS - 1;
    expect(await tokens.get()).toBe(first);
    expect(calls).toHaveLength(1);

    now += 1;
    const second = await tokens.get();
    expect(second).not.toBe(first);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.url).toBe("/api/auth/token");
  });

  it("shares one request between callers that ask at the same time", async () => {
    const { fetchImpl, calls } = scriptedFetch(() => json(200, { token: jwt({ exp: 9e9 }) }));
    const tokens = createAccessTokenSource({ fetchImpl });
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect(a).toBe(b);
    expect(calls).toHaveLength(1);
  });

  it("never caches a token whose expiry cannot be read", async () => {
    const { fetchImpl, calls } = scriptedFetch(() => json(200, { token: "not-a-jwt" }));
    const tokens = createAccessTokenSource({ fetchImpl });
    await tokens.get();
    await tokens.get();
    expect(calls).toHaveLength(2);
  });

  it("reports a missing session as session-ended", async () => {
    const { fetchImpl } = scriptedFetch(() => json(401, { message: "Unauthorized" }));
    const error = await createAccessTokenSource({ fetchImpl })
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("session-ended");
  });
});

describe("tasks API calls", () => {
  it("retries once with a fresh token after the gateway refuses the cached one", async () => {
    let issued = 0;
    const { fetchImpl, calls } = scriptedFetch((url, _init, call) => {
      if (url.endsWith("/api/auth/token"))
        return json(200, { token: jwt({ exp: 9e9, n: ++issued }) });
      return call === 2 ? json(403, { message: "Forbidden" }) : json(201, task);
    });
    const tokens = createAccessTokenSource({ fetchImpl });
    const api = createTasksApi({ tokens, fetchImpl });
    expect(await api.create({ title: "Write tests", description: null })).toEqual(task);
    const apiCalls = calls.filter((call) => call.url.endsWith("/api/tasks"));
    expect(apiCalls).toHaveLength(2);
    expect(apiCalls[0]?.authorization).not.toBe(apiCalls[1]?.authorization);
    expect(calls.filter((call) => call.url.endsWith("/token"))).toHaveLength(2);
  });

  it("gives up after the one retry and reports the session as ended", async () => {
    const { fetchImpl, calls } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : json(401, { message: "Unauthorized" }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = await api.list("all", null).catch((e: unknown) => e);
    expect((error as ApiError).kind).toBe("session-ended");
    expect(calls.filter((call) => call.url.includes("/api/tasks"))).toHaveLength(2);
  });

  it("reports SESSION_ENDED from the API at once, without asking for another token", async () => {
    const { fetchImpl, calls } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : json(401, {
            error: { code: "SESSION_ENDED", message: "Your session has ended; sign in again" },
          }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = await api.create({ title: "Too late", description: null }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("session-ended");
    expect(calls.map((call) => call.url.replace(/^.*\/api/, "/api"))).toEqual([
      "/api/auth/token",
      "/api/tasks",
    ]);
  });

  it("turns 503 into a retry message and sends filters and cursors as the API expects", async () => {
    const { fetchImpl, calls } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : json(503, { error: { code: "unavailable", message: "Database unavailable" } }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = (await api.list("done", "abc").catch((e: unknown) => e)) as ApiError;
    expect(error.kind).toBe("unavailable");
    expect(error.message).toMatch(/try again/);
    expect(calls.at(-1)?.url).toBe("/api/tasks?limit=20&completed=true&cursor=abc");
  });

  it("treats deleting a task that is already gone as done", async () => {
    const { fetchImpl } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : json(404, { error: { code: "not_found", message: "Task not found" } }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    await expect(api.remove(task.id)).resolves.toBeUndefined();
  });

  it("reports a success answer that is not JSON as unavailable instead of failing on it", async () => {
    const { fetchImpl } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : new Response("<!doctype html><title>Sign in to the Wi-Fi</title>", { status: 200 }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = (await api.list("all", null).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: "unavailable", status: 502 });
  });

  it.each([
    { who: "a proxy's HTML page", body: "<h1>Bad gateway</h1>", status: 500, kind: "server" },
    {
      who: "API Gateway's { message }",
      body: '{"message":"Request Entity Too Large"}',
      status: 413,
      kind: "too-large",
    },
    { who: "an empty body", body: "", status: 503, kind: "unavailable" },
  ])("reads an error answer with $who as $kind", async ({ body, status, kind }) => {
    const { fetchImpl } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : new Response(body, { status }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = (await api.create({ title: "x" }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind, status, code: kind, details: undefined });
  });

  it("shows the API's own message and details for an invalid_request", async () => {
    const details = [{ location: "body", field: "title", message: "must not be empty" }];
    const { fetchImpl } = scriptedFetch((url) =>
      url.endsWith("/token")
        ? json(200, { token: jwt({ exp: 9e9 }) })
        : json(400, {
            error: { code: "invalid_request", message: "The request is invalid", details },
          }),
    );
    const api = createTasksApi({ tokens: createAccessTokenSource({ fetchImpl }), fetchImpl });
    const error = (await api.create({ title: " " }).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({
      kind: "invalid",
      message: "The request is invalid",
      code: "invalid_request",
      details,
    });
  });

  it("reads per-field problems from the API's invalid_request details", () => {
    expect(
      fieldErrorsFrom([
        { location: "body", field: "title", message: "must not be empty" },
        { location: "body", field: "userId", message: "is not a known field" },
      ]),
    ).toEqual({ title: "must not be empty", userId: "is not a known field" });
  });

  it("reads the code and details of the API's envelope only, not of the gateway's or Better Auth's shape", async () => {
    const envelope = await ApiError.fromResponse(
      json(400, {
        error: {
          code: "invalid_request",
          message: "title: must not be empty",
          details: [{ location: "body", field: "title", message: "must not be empty" }],
        },
      }),
    );
    expect(envelope).toMatchObject({ kind: "invalid", code: "invalid_request" });
    expect(envelope.details).toHaveLength(1);
    const gateway = await ApiError.fromResponse(json(413, { message: "Request Entity Too Large" }));
    expect(gateway).toMatchObject({ kind: "too-large", code: "too-large", details: undefined });
    const betterAuth = await ApiError.fromResponse(
      json(422, { message: "Invalid", code: "SOMETHING" }),
    );
    expect(betterAuth).toMatchObject({ kind: "invalid", code: "invalid" });
    expect(betterAuth.message).toBe("Some of the information is not valid.");
    const notAnObject = await ApiError.fromResponse(json(500, "oops"));
    expect(notAnObject).toMatchObject({ kind: "server", code: "server" });
  });

  it("takes the contract's types and limits from the API's schemas instead of declaring copies", async () => {
    const scripts = resolve(import.meta.dirname, "../src/scripts");
    const contractNames =
      "Task|TaskPage|CreateTask|UpdateTask|ErrorEnvelope|ErrorCode|FieldError|GatewayError|AuthError|AccessToken|AccessTokenClaims";
    const declaration = new RegExp(`\\b(?:interface|type)\\s+(?:${contractNames})\\b`);
    const copies: string[] = [];
    for (const file of await readdir(scripts)) {
      const source = await readFile(resolve(scripts, file), "utf8");
      if (declaration.test(source)) copies.push(`${file} declares a contract type`);
      if (/TASK_(?:TITLE|DESCRIPTION)_MAX\s*=/.test(source)) copies.push(`${file} copies a limit`);
    }
    expect(copies).toEqual([]);
  });

  it("checks the same limits as the database schema and the auth server", () => {
    expect(TASK_TITLE_MAX).toBe(SCHEMA_TITLE_MAX);
    expect(TASK_DESCRIPTION_MAX).toBe(SCHEMA_DESCRIPTION_MAX);
    expect(PASSWORD_MIN_LENGTH).toBe(AUTH_PASSWORD_MIN);
    expect(PASSWORD_MAX_LENGTH).toBe(AUTH_PASSWORD_MAX);
  });

  it("refuses an address over 254 characters before it is sent, and accepts one at the limit", () => {
    const atLimit = `${"a".repeat(254 - "@example.com".length)}@example.com`;
    expect(checkEmail(atLimit)).toBeNull();
    expect(checkEmail(`a${atLimit}`)).toContain("at most 254 characters");
  });
});
