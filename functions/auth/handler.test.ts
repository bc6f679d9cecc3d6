import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_ORIGIN,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { coldStart } from "../../infra/testing/cold-start";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { routeEvents } from "../../infra/testing/gateway-events";
import { captureLogs } from "../../infra/testing/logs";
import { closeSharedDatabases } from "../db/database";
import { type GatewayResult, gatewayResultToResponse } from "../shared/gateway-event";
import { createAuthLambda } from "./auth-lambda";
import { STRICT_RATE_LIMITS } from "./create-auth";

type Entry = typeof import("./handler");
let coldStarts = 0;

/** Evaluates the entry afresh with this environment, as a Lambda cold start would. */
function loadEntry(env: Record<string, string | undefined>): Promise<Entry> {
  coldStarts += 1;
  return coldStart<Entry>(new URL("./handler.ts", import.meta.url), env);
}

const authRouteEvent = routeEvents("auth");

interface EventInit {
  method?: string;
  body?: unknown;
  cookies?: string[];
  headers?: Record<string, string>;
  sourceIp?: string;
  requestId?: string;
  origin?: string;
}

async function authEvent(path: string, init: EventInit = {}) {
  const origin = init.origin ?? TEST_ORIGIN;
  const headers: Record<string, string> = { origin, ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.cookies?.length) headers.cookie = init.cookies.map((c) => c.split(";")[0]).join("; ");
  const request = new Request(`${origin}/api/auth${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return authRouteEvent(request, {
    sourceIp: init.sourceIp ?? `192.0.2.${1 + (coldStarts % 250)}`,
    requestId: init.requestId,
  });
}

describeEachEngine("auth Lambda entry on %s", { openedByUrl: true }, (database) => {
  let entry: Entry;
  const baseEnv = () => ({
    DATABASE_URL: database.url,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    BETTER_AUTH_URL: TEST_ORIGIN,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    AUTH_RATE_LIMIT: undefined,
  });

  beforeAll(async () => {
    entry = await loadEntry(baseEnv());
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function signUpThroughEntry(email: string): Promise<GatewayResult> {
    const result = await entry.handler(
      await authEvent("/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Entry" },
      }),
    );
    expect(result.statusCode).toBe(200);
    return result;
  }

  it("returns the session cookie in the cookies array, not as a header", async () => {
    const result = await signUpThroughEntry(uniqueEmail("entry"));
    expect(result.cookies).toHaveLength(1);
    expect(result.cookies?.[0]).toMatch(/^better-auth\.session_token=.+; .*HttpOnly/);
    expect(Object.keys(result.headers ?? {}).map((name) => name.toLowerCase())).not.toContain(
      "set-cookie",
    );
  });

  it("maps several Set-Cookie headers to one cookies entry each", async () => {
    const signedUp = await signUpThroughEntry(uniqueEmail("cookies"));
    const token = await entry.handler(await authEvent("/token", { cookies: signedUp.cookies }));
    expect(token.statusCode).toBe(200);
    const deleted = await entry.handler(
      await authEvent("/delete-user", {
        body: { password: TEST_PASSWORD },
        cookies: signedUp.cookies,
      }),
    );
    expect(deleted.statusCode).toBe(200);
    expect(deleted.cookies?.length).toBeGreaterThanOrEqual(2);
    for (const cookie of deleted.cookies ?? []) expect(cookie).toMatch(/^[\w.-]+=; Max-Age=0;/);
    const response = gatewayResultToResponse(deleted);
    expect(response.headers.getSetCookie()).toEqual(deleted.cookies);
  });

  it("logs one JSON line per request with method, path, status, duration and request id, and no secrets", async () => {
    const email = uniqueEmail("logged");
    const requestId = randomUUID();
    const signedUp = await signUpThroughEntry(email);
    const { value, lines } = await captureLogs(async () =>
      entry.handler(
        await authEvent("/sign-in/email", {
          body: { email, password: TEST_PASSWORD },
          cookies: signedUp.cookies,
          requestId,
        }),
      ),
    );
    expect(value.statusCode).toBe(200);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((record) => record.msg === "auth request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: "info",
      method: "POST",
      path: "/api/auth/sign-in/email",
      status: 200,
      requestId,
      durationMs: expect.any(Number),
    });
    const everything = lines.join("\n");
    const sessionToken = value.cookies?.[0]?.split(";")[0]?.split("=")[1] ?? "missing";
    for (const secret of [TEST_PASSWORD, email, sessionToken, "better-auth.session_token"]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("limits sign-in attempts per address by default", async () => {
    const max = STRICT_RATE_LIMITS["/sign-in/email"]?.max ?? 0;
    const sourceIp = "203.0.113.201";
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= max; attempt++) {
      const result = await entry.handler(
        await authEvent("/sign-in/email", {
          body: { email: "nobody@example.com", password: TEST_PASSWORD },
          sourceIp,
        }),
      );
      statuses.push(result.statusCode ?? 0);
    }
    expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
    expect(statuses[max]).toBe(429);
  });

  it("turns every limit off with AUTH_RATE_LIMIT=off", async () => {
    const unlimited = await loadEntry({ ...baseEnv(), AUTH_RATE_LIMIT: "off" });
    const max = STRICT_RATE_LIMITS["/sign-in/email"]?.max ?? 0;
    for (let attempt = 0; attempt <= max + 1; attempt++) {
      const result = await unlimited.handler(
        await authEvent("/sign-in/email", {
          body: { email: "nobody@example.com", password: TEST_PASSWORD },
          sourceIp: "203.0.113.202",
        }),
      );
      expect(result.statusCode).toBe(401);
    }
  });

  it("sets __Secure- cookies with the Secure attribute when the origin is https", async () => {
    const origin = "https://d111111abcdef8.cloudfront.net";
    const secure = await loadEntry({
      ...baseEnv(),
      BETTER_AUTH_URL: origin,
      JWT_ISSUER: origin,
      JWT_AUDIENCE: `${origin}/api`,
    });
    const result = await secure.handler(
      await authEvent("/sign-up/email", {
        origin,
        body: { email: uniqueEmail("secure"), password: TEST_PASSWORD, name: "Secure" },
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.cookies?.[0]).toMatch(/^__Secure-better-auth\.session_token=.+; .*Secure/);
    // The local http origin is not trusted by the https deployment.
    const foreign = await secure.handler(
      await authEvent("/sign-up/email", {
        origin,
        headers: { origin: TEST_ORIGIN },
        body: { email: uniqueEmail("foreign"), password: TEST_PASSWORD, name: "Foreign" },
      }),
    );
    expect(foreign.statusCode).toBe(403);
  });
});

describe("auth Lambda failures", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("answers a generic 500 and logs no detail when Better Auth throws", async () => {
    const lambda = createAuthLambda({
      handler: async () => {
        throw new Error('insert into "account" values ($1) params: secret-hash-value');
      },
    });
    const { value, lines } = await captureLogs(async () =>
      lambda(await authEvent("/sign-in/email")),
    );
    expect(value.statusCode).toBe(500);
    expect(JSON.parse(value.body ?? "")).toEqual({
      error: { code: "internal", message: "Internal server error" },
    });
    expect(lines.join("\n")).not.toMatch(/secret-hash-value|insert into/);
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      "auth request failed",
      "auth request",
    ]);
  });

  it("replaces the body of a 5xx that Better Auth returns", async () => {
    const lambda = createAuthLambda({
      handler: async () =>
        new Response("Error: boom\n    at query (/var/task/index.mjs:1:1)", {
          status: 503,
          headers: { "set-cookie": "leak=1" },
        }),
    });
    const { value } = await captureLogs(async () => lambda(await authEvent("/token")));
    expect(value.statusCode).toBe(503);
    expect(value.body).not.toContain("at query");
    expect(value.cookies).toBeUndefined();
  });

  it.each([
    ["JWT_ISSUER", { JWT_ISSUER: undefined }, /JWT_ISSUER/],
    ["BETTER_AUTH_URL", { BETTER_AUTH_URL: undefined }, /BETTER_AUTH_URL/],
    ["an unknown AUTH_RATE_LIMIT", { AUTH_RATE_LIMIT: "maybe" }, /AUTH_RATE_LIMIT/],
  ])("refuses to start without valid settings: %s", async (_label, override, message) => {
    await expect(
      loadEntry({
        DATABASE_URL: "memory:",
        BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
        BETTER_AUTH_URL: TEST_ORIGIN,
        JWT_ISSUER: TEST_ISSUER,
        JWT_AUDIENCE: TEST_AUDIENCE,
        ...override,
      }),
    ).rejects.toThrow(message);
  });

  it("refuses a short BETTER_AUTH_SECRET", async () => {
    const url = `memory:short-secret-${randomBytes(4).toString("hex")}`;
    try {
      await expect(
        loadEntry({
          DATABASE_URL: url,
          BETTER_AUTH_SECRET: "too-short",
          BETTER_AUTH_URL: TEST_ORIGIN,
          JWT_ISSUER: TEST_ISSUER,
          JWT_AUDIENCE: TEST_AUDIENCE,
        }),
      ).rejects.toThrow(/at least 32 characters/);
    } finally {
      await closeSharedDatabases();
    }
  });
});
