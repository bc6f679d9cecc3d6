import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewayResultToResponse } from "../../infra/local/gateway-event";
import { TEST_ORIGIN, TEST_PASSWORD, uniqueEmail } from "../../infra/testing/auth";
import { coldStartWith } from "../../infra/testing/cold-start";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { routeEvents } from "../../infra/testing/gateway-events";
import { captureLogs, emittedMetrics, logRecords } from "../../infra/testing/logs";
import { closeSharedDatabases } from "../db/database";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../shared/client-address";
import type { Environment } from "../shared/config";
import type { GatewayResult } from "../shared/gateway-event";
import { DEFAULT_METRICS_NAMESPACE } from "../shared/metrics";
import { type AuthLambdaOptions, createAuthLambda } from "./auth-lambda";
import { type AuthEnvironmentInputs, authConfig, authEnvironment } from "./config";
import { CLIENT_IP_HEADER, STRICT_RATE_LIMITS } from "./create-auth";

type Entry = typeof import("./handler");
let coldStarts = 0;
const { settings } = authConfig;
/** The stage's origin secret, as CloudFront would send it and the function's config holds it. */
const ORIGIN_SECRET = randomBytes(32).toString("base64url");
/** The next rotation's, which the function accepts before CloudFront switches to it. */
const NEXT_ORIGIN_SECRET = randomBytes(32).toString("base64url");
/** What CloudFront adds to a viewer's request for /api/*. */
const throughCloudFront = (viewer: string, secret = ORIGIN_SECRET) => ({
  [VIEWER_ADDRESS_HEADER]: viewer,
  [ORIGIN_VERIFY_HEADER]: secret,
});

/**
 * Evaluates the entry afresh with this environment, as a Lambda cold start would: every variable
 * the auth config declares is set as given or unset.
 */
function loadEntry(env: Environment): Promise<Entry> {
  coldStarts += 1;
  return coldStartWith<Entry>(new URL("./handler.ts", import.meta.url), authConfig, env);
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

/** What every auth answer must carry: nothing a browser or proxy may store or sniff. */
function expectUnstoredAndUnsniffed(result: GatewayResult, label: string) {
  const headers = gatewayResultToResponse(result).headers;
  expect(headers.get("cache-control"), label).toBe("no-store");
  expect(headers.get("x-content-type-options"), label).toBe("nosniff");
}

describeEachEngine("auth Lambda entry on %s", { openedByUrl: true }, (database) => {
  let entry: Entry;
  const baseEnv = (inputs: Partial<AuthEnvironmentInputs> = {}) =>
    authEnvironment({
      origin: TEST_ORIGIN,
      secret: randomBytes(32).toString("base64url"),
      databaseUrl: database.url,
      originSecret: ORIGIN_SECRET,
      nextOriginSecret: NEXT_ORIGIN_SECRET,
      mailFrom: "no-reply@example.com",
      mailSesRegion: "us-east-1",
      // These tests are about the entry's address and headers: sign-up signs in at once.
      emailVerification: false,
      ...inputs,
    });

  beforeAll(async () => {
    entry = await loadEntry(baseEnv());
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function signUpThroughEntry(
    email: string,
    init: Pick<EventInit, "headers" | "sourceIp"> = {},
  ): Promise<GatewayResult> {
    const result = await entry.handler(
      await authEvent("/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Entry" },
        ...init,
      }),
    );
    expect(result.statusCode).toBe(200);
    return result;
  }

  /** The address Better Auth recorded for the session these cookies carry. */
  async function sessionAddress(cookies: string[] | undefined): Promise<unknown> {
    const listed = await entry.handler(await authEvent("/list-sessions", { cookies }));
    expect(listed.statusCode).toBe(200);
    const sessions = JSON.parse(listed.body ?? "[]") as { ipAddress: unknown }[];
    expect(sessions).toHaveLength(1);
    return sessions[0]?.ipAddress;
  }

  it("records CloudFront's viewer address only with one of the stage's origin secrets", async () => {
    const edge = "130.176.0.21";
    const viaCloudFront = await signUpThroughEntry(uniqueEmail("viewer"), {
      headers: throughCloudFront("198.51.100.77"),
      sourceIp: edge,
    });
    expect(await sessionAddress(viaCloudFront.cookies)).toBe("198.51.100.77");
    // An edge that already switched to the next rotation's secret is believed as well.
    const switched = await signUpThroughEntry(uniqueEmail("rotated"), {
      headers: throughCloudFront("198.51.100.79", NEXT_ORIGIN_SECRET),
      sourceIp: edge,
    });
    expect(await sessionAddress(switched.cookies)).toBe("198.51.100.79");
    // A direct call claiming the same header, with a guessed secret: the TCP peer is recorded.
    const direct = await signUpThroughEntry(uniqueEmail("direct"), {
      headers: throughCloudFront("198.51.100.77", randomBytes(32).toString("base64url")),
      sourceIp: "203.0.113.77",
    });
    expect(await sessionAddress(direct.cookies)).toBe("203.0.113.77");
  });

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

  it("marks every answer no-store and nosniff: sign-up, sign-in, token, sessions, JWKS, errors", async () => {
    const email = uniqueEmail("no-store");
    const signedUp = await signUpThroughEntry(email);
    const cookies = signedUp.cookies;
    const answers: Array<[string, number, GatewayResult]> = [["sign-up", 200, signedUp]];
    const call = async (label: string, status: number, path: string, init?: EventInit) => {
      const result = await entry.handler(await authEvent(path, init));
      answers.push([label, status, result]);
      return result;
    };
    const signedIn = await call("sign-in", 200, "/sign-in/email", {
      body: { email, password: TEST_PASSWORD },
    });
    expect(JSON.parse(signedIn.body ?? "{}")).toHaveProperty("token");
    const token = await call("token", 200, "/token", { cookies });
    expect(JSON.parse(token.body ?? "{}")).toHaveProperty("token");
    const session = await call("get-session", 200, "/get-session", { cookies });
    expect(JSON.parse(session.body ?? "{}")).toHaveProperty("session");
    await call("list-sessions", 200, "/list-sessions", { cookies });
    await call("jwks", 200, "/jwks");
    await call("get-session without a session", 200, "/get-session");
    await call("token without a session", 401, "/token");
    await call("wrong password", 401, "/sign-in/email", {
      body: { email, password: "not the password at all" },
    });
    await call("invalid body", 400, "/sign-up/email", { body: { email: "not-an-address" } });
    await call("unknown endpoint", 404, "/no-such-endpoint");
    for (const [label, status, result] of answers) {
      expect(result.statusCode, label).toBe(status);
      expectUnstoredAndUnsniffed(result, label);
    }
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
          headers: throughCloudFront("198.51.100.78"),
        }),
      ),
    );
    expect(value.statusCode).toBe(200);
    const requests = logRecords(lines).filter((record) => record.message === "request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: "INFO",
      service: "auth",
      method: "POST",
      route: "ANY /api/auth/{proxy+}",
      path: "/api/auth/sign-in/email",
      status: 200,
      correlation_id: requestId,
      durationMs: expect.any(Number),
    });
    // The same request as metrics: a 2xx answer with its latency, and a successful sign-in.
    const emitted = emittedMetrics(lines);
    expect(emitted).toContainEqual({
      namespace: DEFAULT_METRICS_NAMESPACE,
      dimensionSets: [["service"], ["service", "statusClass"]],
      dimensions: { service: "auth", statusClass: "2xx" },
      metrics: {
        ApiResponses: { value: 1, unit: "Count" },
        ApiLatency: { value: requests[0]?.durationMs, unit: "Milliseconds" },
      },
    });
    expect(emitted).toContainEqual(
      expect.objectContaining({
        dimensions: { service: "auth", outcome: "success" },
        metrics: { SignIns: { value: 1, unit: "Count" } },
      }),
    );
    const everything = lines.join("\n");
    const sessionToken = value.cookies?.[0]?.split(";")[0]?.split("=")[1] ?? "missing";
    for (const secret of [
      TEST_PASSWORD,
      email,
      sessionToken,
      "better-auth.session_token",
      ORIGIN_SECRET,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("limits sign-in attempts per address by default", async () => {
    const max = STRICT_RATE_LIMITS["/sign-in/email"]?.max ?? 0;
    const sourceIp = "203.0.113.201";
    const statuses: number[] = [];
    let last: GatewayResult | undefined;
    for (let attempt = 0; attempt <= max; attempt++) {
      last = await entry.handler(
        await authEvent("/sign-in/email", {
          // A new e-mail each time, so the 429 can only come from the per-address limit.
          body: { email: uniqueEmail("nobody"), password: TEST_PASSWORD },
          sourceIp,
        }),
      );
      statuses.push(last.statusCode ?? 0);
    }
    expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
    expect(statuses[max]).toBe(429);
    if (last) expectUnstoredAndUnsniffed(last, "429");
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
  /** An auth instance that records what reaches it, behind a Lambda with the stage's origin secret. */
  function recordingAuth(options: AuthLambdaOptions = { originSecrets: [ORIGIN_SECRET] }) {
    const seen: Request[] = [];
    const lambda = createAuthLambda(
      {
        handler: async (request) => {
          seen.push(request);
          return Response.json({ ok: true });
        },
      },
      options,
    );
    return { seen, lambda };
  }

  /** The client address Better Auth is handed for one event. */
  async function addressFor(
    headers: Record<string, string>,
    sourceIp: string,
  ): Promise<string | null> {
    const { seen, lambda } = recordingAuth();
    await lambda(await authEvent("/session", { headers, sourceIp }));
    return seen[0]?.headers.get(CLIENT_IP_HEADER) ?? null;
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

  it("hands Better Auth API Gateway's sourceIp in CLIENT_IP_HEADER, replacing a forged one", async () => {
    expect(await addressFor({ [CLIENT_IP_HEADER]: "192.0.2.99" }, "203.0.113.5")).toBe(
      "203.0.113.5",
    );
  });

  it("believes the edge's viewer address, IPv4 or IPv6, when the origin secret matches", async () => {
    const edge = "130.176.0.10";
    expect(await addressFor(throughCloudFront("192.0.2.50"), edge)).toBe("192.0.2.50");
    expect(await addressFor(throughCloudFront("2001:db8::7"), edge)).toBe("2001:db8::7");
    const forgedToo = { ...throughCloudFront("192.0.2.51"), [CLIENT_IP_HEADER]: "192.0.2.99" };
    expect(await addressFor(forgedToo, edge)).toBe("192.0.2.51");
  });

  it.each([
    ["no origin secret", { [VIEWER_ADDRESS_HEADER]: "192.0.2.50" }],
    ["a wrong secret of the same length", throughCloudFront("192.0.2.50", "x".repeat(43))],
    ["a wrong, shorter secret", throughCloudFront("192.0.2.50", "guess")],
    ["the secret with extra characters", throughCloudFront("192.0.2.50", `${ORIGIN_SECRET}x`)],
    ["an empty secret", throughCloudFront("192.0.2.50", "")],
    ["a viewer address that is no IP", throughCloudFront("192.0.2.50:443")],
    ["only CloudFront's own header", { "cloudfront-viewer-address": "192.0.2.50:443" }],
    [
      "CloudFront's own header beside the secret",
      { "cloudfront-viewer-address": "192.0.2.50:443", [ORIGIN_VERIFY_HEADER]: ORIGIN_SECRET },
    ],
    [
      "x-forwarded-for and x-real-ip",
      { "x-forwarded-for": "192.0.2.50", "x-real-ip": "192.0.2.50" },
    ],
  ])("ignores a viewer address that comes with %s: the TCP peer counts", async (_case, headers) => {
    expect(await addressFor(headers, "203.0.113.6")).toBe("203.0.113.6");
  });

  it("without an origin secret of its own believes no edge header, the right one included", async () => {
    const { seen, lambda } = recordingAuth({});
    await lambda(
      await authEvent("/session", {
        headers: throughCloudFront("192.0.2.50"),
        sourceIp: "203.0.113.7",
      }),
    );
    expect(seen[0]?.headers.get(CLIENT_IP_HEADER)).toBe("203.0.113.7");
  });

  it("passes neither the origin secret nor the viewer header on to Better Auth", async () => {
    const { seen, lambda } = recordingAuth();
    await lambda(await authEvent("/session", { headers: throughCloudFront("192.0.2.52") }));
    expect(seen[0]?.headers.get(CLIENT_IP_HEADER)).toBe("192.0.2.52");
    expect(seen[0]?.headers.has(ORIGIN_VERIFY_HEADER)).toBe(false);
    expect(seen[0]?.headers.has(VIEWER_ADDRESS_HEADER)).toBe(false);
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

  it("replaces whatever caching Better Auth allows with no-store, and adds nosniff", async () => {
    const lambda = createAuthLambda({
      handler: async () =>
        Response.json({ token: "eyJ…" }, { headers: { "cache-control": "public, max-age=3600" } }),
    });
    expectUnstoredAndUnsniffed(await lambda(await authEvent("/token")), "cacheable token");
  });

  it("answers other methods with Better Auth's empty 404 without calling it", async () => {
    const { seen, lambda } = recordingAuth();
    const event = await authEvent("/sign-in/email");
    event.requestContext.http.method = "PUT";
    const result = await lambda(event);
    expect(result.statusCode).toBe(404);
    expect(result.body).toBe("");
    expectUnstoredAndUnsniffed(result, "404 for PUT");
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
    expectUnstoredAndUnsniffed(value, "500 from a throw");
    expect(lines.join("\n")).not.toMatch(/secret-hash-value|insert into/);
    expect(logRecords(lines)).toEqual([
      expect.objectContaining({ level: "ERROR", message: "request", status: 500, error: "Error" }),
    ]);
    expect(emittedMetrics(lines).map((line) => line.dimensions)).toEqual([
      { service: "auth", statusClass: "5xx" },
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
    expectUnstoredAndUnsniffed(value, "503 replaced");
    expect(value.body).not.toContain("at query");
    expect(value.cookies).toBeUndefined();
  });

  const validEnv = () =>
    authEnvironment({
      origin: TEST_ORIGIN,
      secret: randomBytes(32).toString("base64url"),
      databaseUrl: "memory:",
      originSecret: ORIGIN_SECRET,
      mailFrom: "no-reply@example.com",
      mailSesRegion: "us-east-1",
    });

  it.each([
    ["a missing issuer", settings.issuer.variable, undefined],
    ["a missing base URL", settings.baseURL.variable, undefined],
    ["a base URL that is no URL", settings.baseURL.variable, "127.0.0.1:3000"],
    ["an unknown rate limit switch", settings.rateLimit.variable, "maybe"],
    ["no origin secret", settings.originSecret.variable, undefined],
    ["a short origin secret", settings.originSecret.variable, "too-short"],
    ["a short next origin secret", settings.nextOriginSecret.variable, "too-short"],
    ["no sender address for mail", settings.mailFrom.variable, undefined],
    ["no SES region to send mail through", settings.mailSesRegion.variable, undefined],
    ["an unknown verification switch", settings.emailVerification.variable, "maybe"],
  ])("refuses to start with %s, naming the variable", async (_label, variable, value) => {
    await expect(loadEntry({ ...validEnv(), [variable]: value })).rejects.toThrow(
      new RegExp(`auth function's settings are invalid: ${variable} `),
    );
  });

  it(`refuses a short ${settings.secret.variable}`, async () => {
    const url = `memory:short-secret-${randomBytes(4).toString("hex")}`;
    try {
      await expect(
        loadEntry(
          authEnvironment({
            origin: TEST_ORIGIN,
            secret: "too-short",
            databaseUrl: url,
            originSecret: ORIGIN_SECRET,
            mailFrom: "no-reply@example.com",
            mailSesRegion: "us-east-1",
          }),
        ),
      ).rejects.toThrow(/at least 32 characters/);
    } finally {
      await closeSharedDatabases();
    }
  });
});
