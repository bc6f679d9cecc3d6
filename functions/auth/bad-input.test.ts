import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayResultToResponse, requestToGatewayEvent } from "../../infra/local/gateway-event";
import {
  type AuthCall,
  authCaller,
  TEST_ORIGIN,
  TEST_PASSWORD,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";
import { createTestDatabase, ENGINES, type TestDatabase } from "../../infra/testing/database";
import { captureLogs } from "../../infra/testing/logs";
import { user } from "../db/schema";
import { MAX_LOG_LINE_BYTES } from "../shared/log";
import { createAuthLambda, MALFORMED_TEXT_CODE } from "./auth-lambda";
import { AUTH_BASE_PATH, createAuth } from "./create-auth";

describe.each(ENGINES)("bad input to the auth Lambda on %s", (engine) => {
  let database: TestDatabase;
  let call: AuthCall;
  let lambda: ReturnType<typeof createAuthLambda>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    const auth = createAuth(testAuthSettings(database.db));
    call = authCaller(auth, "lambda");
    lambda = createAuthLambda(auth);
  });
  afterAll(async () => {
    await database.dispose();
  });

  /** POSTs `body` as a base64 event body, as API Gateway passes bytes it does not take as text. */
  async function postBytes(path: string, body: Buffer, contentType: string): Promise<Response> {
    const request = new Request(`${TEST_ORIGIN}${AUTH_BASE_PATH}${path}`, {
      method: "POST",
      headers: { origin: TEST_ORIGIN, "content-type": contentType },
    });
    const event = await requestToGatewayEvent(request, {
      routeKey: "ANY /api/auth/{proxy+}",
      pathParameters: { proxy: path.slice(1) },
      sourceIp: "203.0.113.77",
    });
    event.body = body.toString("base64");
    event.isBase64Encoded = true;
    return gatewayResultToResponse(await lambda(event));
  }

  const usersNamed = (email: string) =>
    database.db.select().from(user).where(eq(user.email, email));

  async function expectMalformed(response: Response) {
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code?: string; message?: string };
    expect(body.code).toBe(MALFORMED_TEXT_CODE);
    expect(body.message).toMatch(/well-formed UTF-8/);
  }

  it("writes no log line over 4 KiB for a sign-in with a 60 KiB callbackURL", async () => {
    // Just under the body limit, so the request reaches Better Auth and its refusal is logged.
    const callbackURL = `https://evil.example/${"a".repeat(60 * 1024)}`;
    const { value: response, lines } = await captureLogs(() =>
      call("POST", "/sign-in/email", {
        body: { email: uniqueEmail("huge"), password: TEST_PASSWORD, callbackURL },
      }),
    );
    expect(response.status).toBe(403);
    // Better Auth reports the URL it refused; that line is there, only bounded.
    expect(
      lines.some((line) => line.includes("Invalid callbackURL: https://evil.example/aaa")),
    ).toBe(true);
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    }
  });

  it("refuses a sign-up whose name holds a lone surrogate escape, and creates no user", async () => {
    const email = uniqueEmail("surrogate");
    // JSON.stringify writes a lone surrogate as the escape "\ud800".
    const response = await call("POST", "/sign-up/email", {
      body: { email, password: TEST_PASSWORD, name: "Ada \ud800" },
    });
    await expectMalformed(response);
    expect(await usersNamed(email)).toEqual([]);
  });

  it("refuses a sign-up with invalid UTF-8 bytes in a base64 body, and creates no user", async () => {
    const email = uniqueEmail("bytes");
    const body = Buffer.concat([
      Buffer.from(`{"email":"${email}","password":"${TEST_PASSWORD}","name":"Ada `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    await expectMalformed(await postBytes("/sign-up/email", body, "application/json"));
    expect(await usersNamed(email)).toEqual([]);
  });

  it("refuses a form-encoded sign-in whose fields are not UTF-8 once decoded", async () => {
    const body = Buffer.from(`email=a%40example.com&password=%FF%FE${"x".repeat(10)}`);
    await expectMalformed(
      await postBytes("/sign-in/email", body, "application/x-www-form-urlencoded"),
    );
  });

  it("accepts well-formed text: an emoji name from raw bytes is stored as sent", async () => {
    const email = uniqueEmail("emoji");
    const body = Buffer.from(
      JSON.stringify({ email, password: TEST_PASSWORD, name: "Ada 😀" }),
      "utf8",
    );
    const response = await postBytes("/sign-up/email", body, "application/json");
    expect(response.status).toBe(200);
    expect((await usersNamed(email))[0]?.name).toBe("Ada 😀");
  });
});
