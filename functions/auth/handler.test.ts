import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewayResultToResponse, requestToGatewayEvent } from "../../infra/local/gateway-event";
import { TEST_ORIGIN, TEST_PASSWORD, uniqueEmail } from "../../infra/testing/auth";
import { createTestDatabase, ENGINES, type TestDatabase } from "../../infra/testing/database";
import { captureLogs } from "../../infra/testing/logs";
import { closeSharedDatabases, openDatabase } from "../db/database";
import { runMigrations } from "../db/migrate";
import type { Environment } from "../shared/config";
import type { GatewayResult } from "../shared/gateway-event";
import { createAuthLambda } from "./auth-lambda";
import { type AuthEnvironmentInputs, authConfig, authEnvironment } from "./config";
import { CLIENT_IP_HEADER, STRICT_RATE_LIMITS } from "./create-auth";

type Entry = typeof import("./handler");
let coldStarts = 0;
const { settings } = authConfig;

/**
 * Evaluates the entry afresh with this environment, as a Lambda cold start would: every variable
 * the auth config declares is set as given or unset.
 */
async function loadEntry(env: Environment): Promise<Entry> {
  for (const { variable } of Object.values(settings)) vi.stubEnv(variable, env[variable]);
  coldStarts += 1;
  const specifier = `./handler.ts?cold-start=${coldStarts}`;
  return (await import(/* @vite-ignore */ specifier)) as Entry;
}

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
  return requestToGatewayEvent(request, {
    routeKey: "ANY /api/auth/{proxy+}",
    pathParameters: { proxy: path.slice(1) },
    sourceIp: init.sourceIp ?? `192.0.2.${1 + (coldStarts % 250)}`,
    requestId: init.requestId,
  });
}

describe.each(ENGINES)("auth Lambda entry on %s", (engine) => {
  let databaseUrl: string;
  let testDatabase: TestDatabase | undefined;
  let entry: Entry;
  const baseEnv = (inputs: Partial<AuthEnvironmentInputs> = {}) =>
    authEnvironment({
      origin: TEST_ORIGIN,
      secret: randomBytes(32).toString("base64url"),
      databaseUrl,
      ...inputs,
    });

  beforeAll(async () => {
    if (engine === "pglite") {
      // Named, so the entry's openDatabase gets the same embedded engine.
      databaseUrl = `memory:auth-entry-${randomBytes(4).toString("hex")}`;
      await runMigrations((await openDatabase({ url: databaseUrl })).db);
    } else {
      testDatabase = await createTestDatabase(engine);
      databaseUrl = testDatabase.url;
    }
    entry = await loadEntry(baseEnv());
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await testDatabase?.dispose();
    await closeSharedDatabases();
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
    const requests = records.filter((record) => record.msg === "request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: "info",
      method: "POST",
      route: "ANY /api/auth/{proxy+}",
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
          // A new e-mail each time, so the 429 can only come from the per-address limit.
          body: { email: uniqueEmail("nobody"), password: TEST_PASSWORD },
          sourceIp,
        }),
      );
      statuses.push(result.statusCode ?? 0);
    }
    expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
    expect(statuses[max]).toBe(429);
  });

  it(`turns every limit off with ${settings.rateLimit.variable}=off`, async () => {
    const unlimited = await loadEntry(baseEnv({ rateLimit: false }));
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
    const secure = await loadEntry(baseEnv({ origin }));
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

describe("auth Lambda adapter", () => {
  /** An auth instance that records what reaches it. */
  function recordingAuth() {
    const seen: Request[] = [];
    const lambda = createAuthLambda({
      handler: async (request) => {
        seen.push(request);
        return Response.json({ ok: true });
      },
    });
    return { seen, lambda };
  }

  it("builds the request URL from the API Gateway domain, never a client-sent Host or X-Forwarded-Host", async () => {
    const { seen, lambda } = recordingAuth();
    const event = await authEvent("/get-session?disableCookieCache=true", {
      headers: { host: "evil.example", "x-forwarded-host": "evil.example" },
    });
    event.requestContext.domainName = "abc123.execute-api.eu-west-1.amazonaws.com";
    expect((await lambda(event)).statusCode).toBe(200);
    expect(seen[0]?.url).toBe(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/api/auth/get-session?disableCookieCache=true",
    );
  });

  it("hands Better Auth the derived client address in CLIENT_IP_HEADER, replacing a forged one", async () => {
    const { seen, lambda } = recordingAuth();
    const forged = { [CLIENT_IP_HEADER]: "192.0.2.99" };
    await lambda(await authEvent("/session", { headers: forged, sourceIp: "203.0.113.5" }));
    const viewer = { ...forged, "cloudfront-viewer-address": "2001:db8::7:443" };
    await lambda(await authEvent("/session", { headers: viewer, sourceIp: "130.176.0.10" }));
    expect(seen.map((request) => request.headers.get(CLIENT_IP_HEADER))).toEqual([
      "203.0.113.5",
      "2001:db8::7",
    ]);
  });

  it("joins the event's cookies into one Cookie header and echoes API Gateway's request id", async () => {
    const { seen, lambda } = recordingAuth();
    const requestId = randomUUID();
    const headers = { "x-request-id": "client-chosen" };
    const result = await lambda(
      await authEvent("/session", { cookies: ["a=1", "b=2"], requestId, headers }),
    );
    expect(seen[0]?.headers.get("cookie")).toBe("a=1; b=2");
    expect(result.headers?.["x-request-id"]).toBe(requestId);
  });

  it("answers other methods with Better Auth's empty 404 without calling it", async () => {
    const { seen, lambda } = recordingAuth();
    const event = await authEvent("/sign-in/email");
    event.requestContext.http.method = "PUT";
    const result = await lambda(event);
    expect(result.statusCode).toBe(404);
    expect(result.body).toBe("");
    expect(seen).toEqual([]);
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
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: "error", msg: "request", status: 500, error: "Error" }),
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

  const validEnv = () =>
    authEnvironment({
      origin: TEST_ORIGIN,
      secret: randomBytes(32).toString("base64url"),
      databaseUrl: "memory:",
    });

  it.each([
    ["a missing issuer", settings.issuer.variable, undefined],
    ["a missing base URL", settings.baseURL.variable, undefined],
    ["a base URL that is no URL", settings.baseURL.variable, "127.0.0.1:3000"],
    ["an unknown rate limit switch", settings.rateLimit.variable, "maybe"],
  ])("refuses to start with %s, naming the variable", async (_label, variable, value) => {
    await expect(loadEntry({ ...validEnv(), [variable]: value })).rejects.toThrow(
      new RegExp(`auth function's settings are invalid: ${variable} `),
    );
  });

  it(`refuses a short ${settings.secret.variable}`, async () => {
    const url = `memory:short-secret-${randomBytes(4).toString("hex")}`;
    try {
      await expect(
        loadEntry(authEnvironment({ origin: TEST_ORIGIN, secret: "too-short", databaseUrl: url })),
      ).rejects.toThrow(/at least 32 characters/);
    } finally {
      await closeSharedDatabases();
    }
  });
});
