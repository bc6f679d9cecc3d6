import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  accessToken,
  createTestAuth,
  sessionIdOf,
  signUp,
  TEST_ORIGIN,
  uniqueEmail,
} from "../../infra/testing/auth";
import { useTestDatabase } from "../../infra/testing/database-suite";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { captureLogs, emittedMetrics, logRecords } from "../../infra/testing/logs";
import { createAuthSigner, type TrustedSigner } from "../../infra/testing/signers";
import { TOKEN_ATTACKS } from "../../infra/testing/token-attacks";
import { AuthorizerContextSchema } from "../shared/access-token";
import type { Environment } from "../shared/config";
import { telemetryConfig, telemetryEnvironment } from "../shared/telemetry";
import type { AuthorizeRequest } from "./authorize-request";
import { authorizerConfig, authorizerEnvironment } from "./config";

type Entry = typeof import("./handler");
/** The stage's namespace as infra sets it, so the EMF lines are seen to follow the setting. */
const NAMESPACE = "AuthJwtBridge/test-stage-AppStack";
let coldStarts = 0;

/** Evaluates the entry afresh with exactly this environment, as a Lambda cold start would. */
async function loadEntry(env: Environment): Promise<Entry> {
  const settings = [telemetryConfig.settings, authorizerConfig.settings].flatMap(Object.values);
  for (const { variable } of settings) {
    vi.stubEnv(variable, env[variable]);
  }
  coldStarts += 1;
  try {
    return (await import(/* @vite-ignore */ `./handler.ts?cold-start=${coldStarts}`)) as Entry;
  } finally {
    vi.unstubAllEnvs();
  }
}

/**
 * The deployed entry, loaded as Lambda loads it (settings from the environment at module load),
 * fed real API Gateway HTTP API authorizer events. Its JWKS URL points at a real HTTP server
 * that answers from the auth instance, so the key source takes the production fetch path.
 */
const database = useTestDatabase("pglite");
let server: Server;
let jwksRequests = 0;
let handler: AuthorizeRequest;
let signer: TrustedSigner;
let userId: string;
let sessionId: string;
let token: string;

beforeAll(async () => {
  const testAuth = createTestAuth(database);
  const { auth, settings } = testAuth;
  server = createServer((request, response) => {
    jwksRequests += 1;
    auth
      .handler(new Request(`${settings.baseURL}${request.url}`, { method: request.method }))
      .then(async (answer) => {
        response.writeHead(answer.status, { "content-type": "application/json" });
        response.end(await answer.text());
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  ({ handler } = await loadEntry({
    ...authorizerEnvironment({
      origin: TEST_ORIGIN,
      jwksUrl: `http://127.0.0.1:${port}/api/auth/jwks`,
    }),
    ...telemetryEnvironment({ metricsNamespace: NAMESPACE }),
  }));

  const user = await signUp(testAuth.caller(), uniqueEmail("authorizer"));
  userId = user.id;
  token = await accessToken(testAuth.caller(), user.cookie);
  sessionId = await sessionIdOf(testAuth.caller(), user.cookie);
  signer = await createAuthSigner(testAuth, userId);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function expectDenied(authorization: string | undefined, reason: string): Promise<void> {
  const event = authorizerEvent(authorization === undefined ? {} : { authorization });
  const { value: result, lines } = await captureLogs(() => handler(event));
  expect(result).toStrictEqual({ isAuthorized: false });
  const records = logRecords(lines);
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    level: "WARN",
    message: "authorizer denied",
    service: "authorizer",
    reason,
    correlation_id: event.requestContext.requestId,
    route: "GET /api/tasks",
  });
  expect(emittedMetrics(lines)).toEqual([
    {
      namespace: NAMESPACE,
      dimensionSets: [["service"], ["service", "reason"]],
      dimensions: { service: "authorizer", reason },
      metrics: { AuthorizerDenies: { value: 1, unit: "Count" } },
    },
  ]);
  const bearer = authorization?.split(" ").at(-1);
  if (bearer && bearer.length > 8) for (const line of lines) expect(line).not.toContain(bearer);
}

describe("authorizer Lambda entry (API Gateway HTTP API, REQUEST, payload 2.0, simple responses)", () => {
  it("allows a real access token from the auth Lambda with the user id, its session and the verify time", async () => {
    const { value: result, lines } = await captureLogs(() =>
      handler(authorizerEvent({ authorization: `Bearer ${token}` })),
    );
    expect(result).toStrictEqual({
      isAuthorized: true,
      context: { userId, sessionId, verifyMs: expect.any(Number) },
    });
    // Parsed with the schema the tasks API's reader extends: the context is what the API accepts.
    const { verifyMs } = AuthorizerContextSchema.parse((result as { context: unknown }).context);
    expect(verifyMs).toBeGreaterThanOrEqual(0);
    expect(Math.round(verifyMs * 1000) / 1000).toBe(verifyMs);
    // No log line at the default level; one EMF line with the allow and its verification time.
    expect(logRecords(lines)).toEqual([]);
    expect(emittedMetrics(lines)).toEqual([
      {
        namespace: NAMESPACE,
        dimensionSets: [["service"]],
        dimensions: { service: "authorizer" },
        metrics: {
          AuthorizerAllows: { value: 1, unit: "Count" },
          VerifyDuration: { value: verifyMs, unit: "Milliseconds" },
        },
      },
    ]);
  });

  it.each(["bearer", "BEARER", "BeArEr"])(
    "treats the scheme case-insensitively (%s)",
    async (scheme) => {
      expect(await handler(authorizerEvent({ authorization: `${scheme} ${token}` }))).toMatchObject(
        {
          isAuthorized: true,
          context: { userId },
        },
      );
    },
  );

  it("tolerates extra spaces around the token", async () => {
    expect(
      await handler(authorizerEvent({ authorization: `  Bearer   ${token}  ` })),
    ).toMatchObject({ isAuthorized: true });
  });

  it.each(TOKEN_ATTACKS)("denies $name and logs $reason", async (attack) => {
    await expectDenied(`Bearer ${await attack.token(signer)}`, attack.reason);
  });

  it.each([
    ["Basic", () => `Basic ${Buffer.from("user:password").toString("base64")}`],
    ["Token", () => `Token ${token}`],
    ["DPoP", () => `DPoP ${token}`],
    ["no scheme", () => token],
    ["no space after Bearer", () => `Bearer${token}`],
  ])("denies the %s scheme as wrong_scheme", async (_name, header) => {
    await expectDenied(header(), "wrong_scheme");
  });

  it.each([
    ["a missing Authorization header", undefined],
    ["an empty Authorization header", ""],
    ["a blank Authorization header", "   "],
    ["Bearer without a token", "Bearer"],
    ["Bearer followed by spaces only", "Bearer    "],
  ])("denies %s as missing_token", async (_name, header) => {
    await expectDenied(header, "missing_token");
  });

  it("never logs the token, whatever the reason", async () => {
    const expired = await signer.sign({ exp: Math.floor(Date.now() / 1000) - 600 });
    const { lines } = await captureLogs(() =>
      handler(authorizerEvent({ authorization: `Bearer ${expired}` })),
    );
    expect(lines).toHaveLength(2);
    for (const part of expired.split("."))
      for (const line of lines) expect(line).not.toContain(part);
  });

  it("fetched the JWKS from the auth function once and served everything else from memory", () => {
    expect(jwksRequests).toBe(1);
  });
});

describe("authorizer Lambda settings", () => {
  const { settings } = authorizerConfig;
  const valid = () =>
    authorizerEnvironment({ origin: TEST_ORIGIN, jwksUrl: `${TEST_ORIGIN}/api/auth/jwks` });

  it.each([
    ["a missing JWKS URL", settings.jwksUrl.variable, undefined],
    ["a JWKS URL that is no URL", settings.jwksUrl.variable, "/api/auth/jwks"],
    ["a missing audience", settings.audience.variable, undefined],
    ["an empty issuer", settings.issuer.variable, ""],
  ])("refuses to start with %s, naming the variable", async (_label, variable, value) => {
    await expect(loadEntry({ ...valid(), [variable]: value })).rejects.toThrow(
      new RegExp(`authorizer function's settings are invalid: ${variable} `),
    );
  });

  it("refuses to start with a log level it does not know", async () => {
    await expect(loadEntry({ ...valid(), LOG_LEVEL: "verbose" })).rejects.toThrow(
      /telemetry function's settings are invalid: LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR/,
    );
  });
});
