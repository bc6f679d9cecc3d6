import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { GatewayEvent } from "../../functions/shared/gateway-event";
import { captureLogs } from "../testing/logs";
import type { AuthorizerEvent, AuthorizerFunction } from "./authorizer-gate";
import {
  createLocalGateway,
  type GatewayRoute,
  gatewayError,
  type LambdaFunction,
  type LocalGatewayOptions,
} from "./gateway";
import { toNodeListener } from "./node-listener";

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

/** Serves a gateway over real HTTP on an ephemeral port, as the local stack does. */
async function serve<F extends string>(options: LocalGatewayOptions<F>): Promise<string> {
  const gateway = createLocalGateway(options);
  const server = createServer(
    toNodeListener((request, info) => gateway.fetch(request, info), {
      maxBodyBytes: gateway.maxBodyBytes,
      tooLarge: () => gatewayError(413),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const echoEvent: LambdaFunction = (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(event),
});

function neverAnswers(): Promise<never> {
  return new Promise(() => {});
}

describe("local API Gateway: routing and events", () => {
  it("passes a payload 2.0 event with path parameters, cookies, lower-cased and forwarded headers", async () => {
    const base = await serve({
      routes: [{ key: "GET /api/items/{id}", function: "echo", auth: "none" }],
      functions: { echo: echoEvent },
    });
    const response = await fetch(`${base}/api/items/a%20b?x=1&y=two&tag=a&tag=b%20c`, {
      headers: {
        Cookie: "first=1; second=2",
        "X-Custom-Header": "Value",
        "X-Forwarded-For": "203.0.113.9",
      },
    });
    expect(response.status).toBe(200);
    const event = (await response.json()) as GatewayEvent;
    const host = new URL(base).host;
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /api/items/{id}",
      rawPath: "/api/items/a%20b",
      rawQueryString: "x=1&y=two&tag=a&tag=b%20c",
      queryStringParameters: { x: "1", y: "two", tag: "a,b c" },
      pathParameters: { id: "a b" },
      cookies: ["first=1", "second=2"],
      isBase64Encoded: false,
      requestContext: {
        routeKey: "GET /api/items/{id}",
        stage: "$default",
        domainName: host,
        http: { method: "GET", path: "/api/items/a%20b", sourceIp: "127.0.0.1" },
      },
    });
    expect(event.headers).toMatchObject({
      "x-custom-header": "Value",
      host,
      "x-forwarded-proto": "http",
      "x-forwarded-for": "203.0.113.9, 127.0.0.1",
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toBe(response.headers.get("apigw-requestid"));
  });

  it("selects the most specific route: literal over {param} over {proxy+}, a method over ANY", async () => {
    const named =
      (name: string): LambdaFunction =>
      (event) => ({
        statusCode: 200,
        body: JSON.stringify({ name, params: event.pathParameters }),
      });
    const base = await serve({
      routes: [
        { key: "ANY /api/{proxy+}", function: "greedy", auth: "none" },
        { key: "ANY /api/things/{id}", function: "anyParam", auth: "none" },
        { key: "GET /api/things/{id}", function: "getParam", auth: "none" },
        { key: "GET /api/things/special", function: "literal", auth: "none" },
      ],
      functions: {
        greedy: named("greedy"),
        anyParam: named("anyParam"),
        getParam: named("getParam"),
        literal: named("literal"),
      },
    });
    const call = async (method: string, path: string) =>
      (await fetch(`${base}${path}`, { method })).json();
    expect(await call("GET", "/api/things/special")).toEqual({ name: "literal" });
    expect(await call("GET", "/api/things/42")).toEqual({ name: "getParam", params: { id: "42" } });
    expect(await call("DELETE", "/api/things/42")).toEqual({
      name: "anyParam",
      params: { id: "42" },
    });
    expect(await call("PUT", "/api/a/b/c")).toEqual({
      name: "greedy",
      params: { proxy: "a/b/c" },
    });
  });

  it("answers unknown routes and unrouted methods with 404 Not Found without calling a function", async () => {
    let calls = 0;
    const base = await serve({
      routes: [{ key: "GET /api/health", function: "health", auth: "none" }],
      functions: {
        health: () => {
          calls += 1;
          return { statusCode: 200, body: "ok" };
        },
      },
    });
    for (const [method, path] of [
      ["POST", "/api/health"],
      ["GET", "/api/nothing-here"],
      ["GET", "/api/health/extra"],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: "Not Found" });
    }
    expect(calls).toBe(0);
  });
});

describe("local API Gateway: results", () => {
  it("maps each returned cookie to its own Set-Cookie header", async () => {
    const cookies = [
      "session=abc; Path=/; HttpOnly; SameSite=Lax",
      "theme=dark; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
    ];
    const base = await serve({
      routes: [{ key: "POST /api/login", function: "login", auth: "none" }],
      functions: { login: () => ({ statusCode: 204, cookies }) },
    });
    const response = await fetch(`${base}/api/login`, { method: "POST" });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual(cookies);
  });

  it("treats a result without statusCode as a 200 JSON body, as payload format 2.0 does", async () => {
    const base = await serve({
      routes: [
        { key: "GET /api/object", function: "object", auth: "none" },
        { key: "GET /api/text", function: "text", auth: "none" },
      ],
      functions: { object: () => ({ hello: "world" }), text: () => "plain" },
    });
    const object = await fetch(`${base}/api/object`);
    expect(object.status).toBe(200);
    expect(object.headers.get("content-type")).toBe("application/json");
    expect(await object.json()).toEqual({ hello: "world" });
    expect(await (await fetch(`${base}/api/text`)).text()).toBe("plain");
  });

  it("base64-encodes binary request bodies and decodes binary results byte for byte", async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]);
    const seen: GatewayEvent[] = [];
    const base = await serve({
      routes: [{ key: "POST /api/upload", function: "upload", auth: "none" }],
      functions: {
        upload: (event) => {
          seen.push(event);
          return {
            statusCode: 200,
            headers: { "content-type": "application/octet-stream" },
            body: Buffer.from(event.body ?? "", "base64")
              .reverse()
              .toString("base64"),
            isBase64Encoded: true,
          };
        },
      },
    });
    const response = await fetch(`${base}/api/upload`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: bytes,
    });
    expect(seen[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen[0]?.body ?? "", "base64")).toEqual(bytes);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from(bytes).reverse());

    await fetch(`${base}/api/upload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"title":"é"}',
    });
    expect(seen[1]).toMatchObject({ isBase64Encoded: false, body: '{"title":"é"}' });
  });

  it("answers 500 Internal Server Error when the function throws, leaking the error neither to the client nor to the log", async () => {
    const base = await serve({
      routes: [{ key: "GET /api/boom", function: "boom", auth: "none" }],
      functions: {
        boom: () => {
          throw new Error("password=hunter2 in SELECT * FROM secrets");
        },
      },
    });
    const { value: response, lines } = await captureLogs(() => fetch(`${base}/api/boom`));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"message":"Internal Server Error"}');
    const logged = lines.join("");
    expect(logged).toContain('"message":"function failed"');
    expect(logged).not.toContain("hunter2");
  });

  it("answers 503 Service Unavailable when the function exceeds the integration timeout", async () => {
    const base = await serve({
      routes: [{ key: "GET /api/slow", function: "slow", auth: "none" }],
      functions: { slow: neverAnswers },
      timeoutMs: 50,
    });
    const response = await fetch(`${base}/api/slow`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: "Service Unavailable" });
  });

  it("refuses bodies over the payload limit with 413 and never calls the function", async () => {
    const sizes: number[] = [];
    const base = await serve({
      routes: [{ key: "POST /api/upload", function: "upload", auth: "none" }],
      functions: {
        upload: (event) => {
          sizes.push((event.body ?? "").length);
          return { statusCode: 200, body: "ok" };
        },
      },
      maxBodyBytes: 1024,
    });
    const post = (body: BodyInit, init: RequestInit = {}) =>
      fetch(`${base}/api/upload`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body,
        ...init,
      });
    expect((await post("x".repeat(1024))).status).toBe(200);
    const declared = await post("x".repeat(1025));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: "Request Entity Too Large" });
    // Without a Content-Length the limit still holds while the body streams in.
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1)
          controller.enqueue(new TextEncoder().encode("y".repeat(512)));
        controller.close();
      },
    });
    const chunked = await post(streamed, { duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(sizes).toEqual([1024]);
  });
});

describe("local API Gateway: the Lambda authorizer", () => {
  const routes: GatewayRoute[] = [
    { key: "GET /api/tasks", function: "tasks", auth: "jwt" },
    { key: "GET /api/tasks/{id}", function: "tasks", auth: "jwt" },
    { key: "GET /api/health", function: "tasks", auth: "none" },
  ];

  /** An authorizer that allows "Bearer good-*", denies the rest and records its calls. */
  function recordingAuthorizer() {
    const calls: AuthorizerEvent[] = [];
    const authorizer: AuthorizerFunction = (event) => {
      calls.push(event);
      const token = event.identitySource[0] ?? "";
      return token.startsWith("Bearer good-")
        ? {
            isAuthorized: true,
            context: { userId: token.slice("Bearer good-".length), verifyMs: 0.4 },
          }
        : { isAuthorized: false };
    };
    return { authorizer, calls };
  }

  it("refuses a missing or empty Authorization with 401 without calling the authorizer", async () => {
    const { authorizer, calls } = recordingAuthorizer();
    const base = await serve({ routes, functions: { tasks: echoEvent }, authorizer });
    for (const headers of [{}, { authorization: "" }, { authorization: "   " }] as Record<
      string,
      string
    >[]) {
      const response = await fetch(`${base}/api/tasks`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
    }
    expect(calls).toHaveLength(0);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });

  it("answers 403 Forbidden when the authorizer denies, without calling the function", async () => {
    const { authorizer } = recordingAuthorizer();
    let functionCalls = 0;
    const base = await serve({
      routes,
      functions: {
        tasks: () => {
          functionCalls += 1;
          return { statusCode: 200, body: "{}" };
        },
      },
      authorizer,
    });
    const response = await fetch(`${base}/api/tasks`, { headers: { authorization: "Bearer bad" } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: "Forbidden" });
    expect(functionCalls).toBe(0);
  });

  it("passes a REQUEST event to the authorizer and its context to the function", async () => {
    const { authorizer, calls } = recordingAuthorizer();
    const base = await serve({ routes, functions: { tasks: echoEvent }, authorizer });
    const response = await fetch(`${base}/api/tasks/7?full=1`, {
      headers: { authorization: "Bearer good-user-1" },
    });
    expect(response.status).toBe(200);
    const event = (await response.json()) as GatewayEvent;
    expect(event.requestContext.authorizer).toEqual({
      lambda: { userId: "user-1", verifyMs: 0.4 },
    });
    expect(calls[0]).toMatchObject({
      version: "2.0",
      type: "REQUEST",
      routeKey: "GET /api/tasks/{id}",
      rawPath: "/api/tasks/7",
      rawQueryString: "full=1",
      identitySource: ["Bearer good-user-1"],
      pathParameters: { id: "7" },
      headers: { authorization: "Bearer good-user-1" },
    });
    expect(calls[0]?.routeArn).toMatch(/^arn:aws:execute-api:.*\/GET\/api\/tasks\/7$/);
  });

  it("answers 500 when the authorizer throws, times out or answers something malformed", async () => {
    const authorizer: AuthorizerFunction = (event) => {
      const token = event.identitySource[0];
      if (token === "Bearer throws") throw new Error("kaboom");
      if (token === "Bearer hangs") return neverAnswers();
      if (token === "Bearer bad-context") return { isAuthorized: true, context: { nested: {} } };
      return { allowed: true };
    };
    const base = await serve({
      routes,
      functions: { tasks: echoEvent },
      authorizer,
      authorizerTimeoutMs: 50,
    });
    for (const token of ["throws", "hangs", "bad-context", "malformed"]) {
      const response = await fetch(`${base}/api/tasks`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, token).toBe(500);
      expect(await response.json()).toEqual({ message: "Internal Server Error" });
    }
  });

  it("caches allow and deny answers per Authorization value for the TTL, but not errors", async () => {
    const { authorizer, calls } = recordingAuthorizer();
    let now = 1_000_000;
    let failures = 0;
    const base = await serve({
      routes,
      functions: { tasks: echoEvent },
      authorizer: (event, context) => {
        if (event.identitySource[0] === "Bearer flaky") {
          failures += 1;
          throw new Error("flaky");
        }
        return authorizer(event, context);
      },
      cacheTtlSeconds: 60,
      now: () => now,
    });
    const call = (token: string, path = "/api/tasks") =>
      fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

    expect((await call("good-a")).status).toBe(200);
    expect((await call("good-a", "/api/tasks/1")).status).toBe(200);
    expect((await call("bad")).status).toBe(403);
    expect((await call("bad")).status).toBe(403);
    expect(calls).toHaveLength(2);

    expect((await call("good-b")).status).toBe(200);
    expect(calls).toHaveLength(3);

    now += 59_000;
    await call("good-a");
    expect(calls).toHaveLength(3);
    now += 2_000;
    const afterExpiry = await call("good-a");
    expect((await afterExpiry.json()).requestContext.authorizer.lambda.userId).toBe("a");
    expect(calls).toHaveLength(4);

    expect((await call("flaky")).status).toBe(500);
    expect((await call("flaky")).status).toBe(500);
    expect(failures).toBe(2);
  });

  it("calls the authorizer every time when caching is off (TTL 0)", async () => {
    const { authorizer, calls } = recordingAuthorizer();
    const base = await serve({
      routes,
      functions: { tasks: echoEvent },
      authorizer,
      cacheTtlSeconds: 0,
    });
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${base}/api/tasks`, { headers: { authorization: "Bearer good-a" } });
    }
    expect(calls).toHaveLength(3);
  });

  it("refuses to start when a protected route has no authorizer", () => {
    expect(() => createLocalGateway({ routes, functions: { tasks: echoEvent } })).toThrow(
      /authorizer/,
    );
  });
});

describe("local API Gateway: CloudFront's /api/* response headers", () => {
  /** The /api/* header set over plain http, spelled out: no CSP for JSON, no HSTS over http. */
  function expectApiSecurityHeaders(response: Response, label: string) {
    expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
    expect(response.headers.get("x-frame-options"), label).toBe("DENY");
    expect(response.headers.get("referrer-policy"), label).toBe("strict-origin-when-cross-origin");
    expect(response.headers.get("content-security-policy"), label).toBeNull();
    expect(response.headers.get("strict-transport-security"), label).toBeNull();
  }

  it("adds them to every answer: the functions', whatever they set, and the gateway's own 401/403/404/413/500/503", async () => {
    const base = await serve({
      routes: [
        { key: "GET /api/ok", function: "ok", auth: "none" },
        { key: "POST /api/upload", function: "ok", auth: "none" },
        { key: "GET /api/boom", function: "boom", auth: "none" },
        { key: "GET /api/slow", function: "slow", auth: "none" },
        { key: "GET /api/private", function: "ok", auth: "jwt" },
      ],
      functions: {
        // A function that sets its own values: the edge's override them, as CloudFront's do.
        ok: () => ({
          statusCode: 200,
          headers: { "x-frame-options": "SAMEORIGIN", "content-type": "text/html" },
          body: "<p>not json</p>",
        }),
        boom: () => {
          throw new Error("boom");
        },
        slow: neverAnswers,
      },
      authorizer: (event) => {
        if (event.identitySource[0] === "Bearer throws") throw new Error("authorizer broke");
        return { isAuthorized: false };
      },
      timeoutMs: 50,
      maxBodyBytes: 16,
    });
    const cases: Array<[string, RequestInit, number]> = [
      ["/api/ok", {}, 200],
      ["/api/private", {}, 401],
      ["/api/private", { headers: { authorization: "Bearer denied" } }, 403],
      ["/api/private", { headers: { authorization: "Bearer throws" } }, 500],
      ["/api/nothing-here", {}, 404],
      ["/api/upload", { method: "POST", body: "x".repeat(17) }, 413],
      ["/api/boom", {}, 500],
      ["/api/slow", {}, 503],
    ];
    await captureLogs(async () => {
      for (const [path, init, status] of cases) {
        const response = await fetch(`${base}${path}`, init);
        const label = `${init.method ?? "GET"} ${path} → ${status}`;
        expect(response.status, label).toBe(status);
        expectApiSecurityHeaders(response, label);
      }
    });
    // Over HTTP the Node listener answers the 413 (with gatewayError); the gateway's own check too.
    const gateway = createLocalGateway({
      routes: [{ key: "POST /api/upload", function: "ok", auth: "none" }],
      functions: { ok: () => ({ statusCode: 200 }) },
      maxBodyBytes: 16,
    });
    const request = new Request("http://127.0.0.1/api/upload", {
      method: "POST",
      body: "x".repeat(17),
    });
    const tooLarge = await gateway.fetch(request);
    expect(tooLarge.status).toBe(413);
    expectApiSecurityHeaders(tooLarge, "gateway's own 413");
  });
});
