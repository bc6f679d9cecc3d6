/**
 * One user through every endpoint once, checking status codes and shapes: the quick "is this
 * stage alive and wired correctly" run after a deploy. It leaves nothing behind (the user it
 * creates deletes its account at the end) and fails on any unexpected answer.
 *
 *   k6 run load/smoke.ts
 *   k6 run -e BASE_URL=https://dxxxx.cloudfront.net load/smoke.ts
 */
import { check, group } from "k6";
import http, { type Params, type Response } from "k6/http";
import type { Options } from "k6/options";
import { API_URL, BASE_URL, SUMMARY_TREND_STATS } from "./lib/config.ts";
import { header, jsonObject } from "./lib/http-helpers.ts";
import { serverTimingDuration } from "./lib/server-timing.ts";
import { summaryHandler } from "./lib/summary.ts";
import { createUser, deleteUser, newRunId, sessionCookies } from "./lib/users.ts";

export const options: Options = {
  scenarios: { smoke: { executor: "shared-iterations", vus: 1, iterations: 1, maxDuration: "2m" } },
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
  },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

const JSON_TYPE = { "Content-Type": "application/json" };

/** A request whose expected answer is an error status: not counted in http_req_failed. */
function expecting(status: number, params: Params): Params {
  return { ...params, responseCallback: http.expectedStatuses(status) };
}

function isErrorEnvelope(response: Response, code: string): boolean {
  const error = jsonObject(response)?.error;
  return (
    typeof error === "object" && error !== null && !Array.isArray(error) && error.code === code
  );
}

export default function (): void {
  group("public endpoints", () => {
    check(http.get(`${API_URL}/health`, { tags: { name: "GET /api/health" } }), {
      "health: 200": (r) => r.status === 200,
    });
    check(http.get(`${API_URL}/openapi.json`, { tags: { name: "GET /api/openapi.json" } }), {
      "openapi: 200 with an OpenAPI document": (r) =>
        r.status === 200 && typeof jsonObject(r)?.openapi === "string",
    });
    check(http.get(`${API_URL}/auth/jwks`, { tags: { name: "GET /api/auth/jwks" } }), {
      "jwks: 200 with Ed25519 public keys only": (r) => {
        const keys = jsonObject(r)?.keys;
        return (
          r.status === 200 &&
          Array.isArray(keys) &&
          keys.length > 0 &&
          keys.every(
            (key) =>
              typeof key === "object" &&
              key !== null &&
              !Array.isArray(key) &&
              key.crv === "Ed25519" &&
              key.d === undefined,
          )
        );
      },
    });
  });

  const user = group("sign-up and token", () => createUser(newRunId(), 0));

  group("sign-in, session, sign-out", () => {
    const jar = new http.CookieJar();
    const signIn = http.post(
      `${API_URL}/auth/sign-in/email`,
      JSON.stringify({ email: user.email, password: user.password }),
      {
        headers: { ...JSON_TYPE, Origin: BASE_URL },
        jar,
        tags: { name: "POST /api/auth/sign-in/email" },
      },
    );
    const cookies = sessionCookies(jar);
    check(signIn, {
      "sign-in: 200 with a session cookie": (r) =>
        r.status === 200 && Object.keys(cookies).length > 0,
    });
    const session = http.get(`${API_URL}/auth/get-session`, {
      cookies,
      jar: new http.CookieJar(),
      tags: { name: "GET /api/auth/get-session" },
    });
    const sessionUser = jsonObject(session)?.user;
    check(session, {
      "get-session: 200 for the signed-in user": (r) =>
        r.status === 200 &&
        typeof sessionUser === "object" &&
        sessionUser !== null &&
        !Array.isArray(sessionUser) &&
        sessionUser.email === user.email,
    });
    check(
      http.post(`${API_URL}/auth/sign-out`, null, {
        headers: { Origin: BASE_URL },
        cookies,
        jar: new http.CookieJar(),
        tags: { name: "POST /api/auth/sign-out" },
      }),
      { "sign-out: 200": (r) => r.status === 200 },
    );
    check(null, {
      "sign-out: the signed-out session gets no token": () => requestTokenStatus(cookies) === 401,
    });
  });

  group("authorizer", () => {
    check(http.get(`${API_URL}/tasks`, expecting(401, { tags: { name: "GET /api/tasks" } })), {
      "no Authorization header: 401": (r) => r.status === 401,
    });
    check(
      http.get(
        `${API_URL}/tasks`,
        expecting(403, {
          headers: { Authorization: "Bearer not.a-valid.token" },
          tags: { name: "GET /api/tasks" },
        }),
      ),
      { "invalid token: 403": (r) => r.status === 403 },
    );
  });

  group("tasks", () => {
    const auth = { Authorization: `Bearer ${user.token}`, ...JSON_TYPE };
    const created = http.post(
      `${API_URL}/tasks`,
      JSON.stringify({ title: "  Smoke test task  ", description: "created by load/smoke.ts" }),
      { headers: auth, tags: { name: "POST /api/tasks" } },
    );
    const task = jsonObject(created);
    const id = typeof task?.id === "string" ? task.id : "";
    check(created, {
      "create: 201 with the trimmed title and a Location": (r) =>
        r.status === 201 &&
        task?.title === "Smoke test task" &&
        task?.completed === false &&
        (header(r, "Location") ?? "").endsWith(`/api/tasks/${id}`),
      "create: Server-Timing carries verify;dur": (r) =>
        serverTimingDuration(header(r, "Server-Timing"), "verify") !== undefined,
    });
    const taskUrl = `${API_URL}/tasks/${id}`;
    const byId = { headers: auth, tags: { name: "GET /api/tasks/{id}" } };
    check(http.get(taskUrl, byId), {
      "read: 200 with the task": (r) => r.status === 200 && jsonObject(r)?.id === id,
    });
    check(
      http.patch(taskUrl, JSON.stringify({ completed: true }), {
        headers: auth,
        tags: { name: "PATCH /api/tasks/{id}" },
      }),
      { "update: 200 and completed": (r) => r.status === 200 && jsonObject(r)?.completed === true },
    );
    const listed = http.get(`${API_URL}/tasks?completed=true&limit=10`, {
      headers: auth,
      tags: { name: "GET /api/tasks" },
    });
    const items = jsonObject(listed)?.items;
    check(listed, {
      "list: 200 with the completed task": (r) =>
        r.status === 200 &&
        Array.isArray(items) &&
        items.some(
          (item) =>
            typeof item === "object" && item !== null && !Array.isArray(item) && item.id === id,
        ),
    });
    check(
      http.post(
        `${API_URL}/tasks`,
        JSON.stringify({ title: "", userId: "someone-else" }),
        expecting(400, { headers: auth, tags: { name: "POST /api/tasks" } }),
      ),
      {
        "create: invalid body is 400 invalid_request": (r) =>
          r.status === 400 && isErrorEnvelope(r, "invalid_request"),
      },
    );
    check(http.del(taskUrl, null, { headers: auth, tags: { name: "DELETE /api/tasks/{id}" } }), {
      "delete: 204": (r) => r.status === 204,
    });
    check(http.get(taskUrl, expecting(404, byId)), {
      "read after delete: 404 not_found": (r) =>
        r.status === 404 && isErrorEnvelope(r, "not_found"),
    });
  });

  group("account deletion", () => {
    deleteUser(user);
    check(null, {
      "delete-user: the deleted account gets no token": () =>
        requestTokenStatus(user.cookies) === 401,
    });
  });
}

/** The status GET /api/auth/token answers for these cookies (expected to refuse here). */
function requestTokenStatus(cookies: Record<string, string>): number {
  return http.get(`${API_URL}/auth/token`, {
    cookies,
    jar: new http.CookieJar(),
    responseCallback: http.expectedStatuses(401),
    tags: { name: "GET /api/auth/token" },
  }).status;
}

export const handleSummary = summaryHandler("smoke");
