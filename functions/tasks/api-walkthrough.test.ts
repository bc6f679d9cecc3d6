/**
 * What the API's documentation promises a developer, tried against the local stack: the README's
 * curl walkthrough runs as written, and every answer on the way (auth endpoints included) has the
 * shape the OpenAPI document gives it, errors in each of the three layers' shapes.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import type { z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack";
import { useTempDir } from "../../infra/testing/temp-dir";
import {
  AccessTokenSchema,
  AuthErrorSchema,
  JwksSchema,
  SignInResultSchema,
  SignUpResultSchema,
  VerifyEmailResultSchema,
} from "./openapi-auth-routes";
import { ErrorSchema, GatewayErrorSchema, TaskPageSchema, TaskSchema } from "./task-schemas";

const run = promisify(execFile);
const README = resolve(import.meta.dirname, "../../README.md");
const PASSWORD = "lantern orbit kettle drum";

/** The shell block of the README's "The API in one minute" section. */
async function readmeWalkthrough(): Promise<string> {
  const readme = await readFile(README, "utf8");
  const section = readme.split("## The API in one minute")[1] ?? "";
  const script = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!script) throw new Error("README.md has no sh block under 'The API in one minute'");
  return script;
}

describe("the API as its documentation describes it", () => {
  const dataDir = useTempDir("api-walkthrough-");
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      databaseUrl: `memory:api-walkthrough-${randomBytes(4).toString("hex")}`,
      dataDir: dataDir.path,
      secret: randomBytes(32).toString("base64url"),
      serveSite: false,
      quiet: true,
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("runs the README's curl walkthrough as written: sign up, confirm, sign in, token, create and list", async () => {
    const script = await readmeWalkthrough();
    expect(script).toMatch(/^B=http:\/\/127\.0\.0\.1:3000$/m);
    const { stdout } = await run(
      "bash",
      ["-euo", "pipefail", "-c", script.replace(/^B=.*$/m, `B=${stack.url}`)],
      {
        cwd: dataDir.path,
        // The walkthrough's `node -pe` is the Node running this test.
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` },
      },
    );
    const listed = TaskPageSchema.parse(JSON.parse(stdout.slice(stdout.lastIndexOf('{"items":'))));
    expect(listed.items.map((task) => task.title)).toEqual(["Write the README"]);
  });

  describe("answers in the documented shapes", () => {
    const email = `grace-${randomBytes(4).toString("hex")}@example.com`;
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}${path}`, {
        ...init,
        headers: { origin: stack.url, "content-type": "application/json", ...init.headers },
      });
    /** The body of a response with `status`, parsed by the documented schema. */
    async function answer<T extends z.ZodType>(
      response: Response,
      status: number,
      schema: T,
    ): Promise<z.infer<T>> {
      const text = await response.text();
      expect(response.status, text).toBe(status);
      return schema.parse(JSON.parse(text));
    }
    const cookieOf = (response: Response) =>
      response.headers
        .getSetCookie()
        .map((cookie) => cookie.split(";")[0])
        .join("; ");

    it("for sign-up, confirmation, sign-in, token and keys", async () => {
      const signedUp = await answer(
        await call("/api/auth/sign-up/email", {
          method: "POST",
          body: JSON.stringify({ name: "Grace", email, password: PASSWORD }),
        }),
        200,
        SignUpResultSchema,
      );
      expect(signedUp).toMatchObject({ token: null, user: { email, name: "Grace" } });

      const inbox = (await (await fetch(`${stack.url}/_dev/mail.json?to=${email}`)).json()) as {
        messages: Array<{ text: string }>;
      };
      const link = inbox.messages[0]?.text.match(/https?:\/\/\S+/)?.[0] ?? "";
      const token = new URL(link).searchParams.get("token") ?? "";
      await answer(
        await call(`/api/auth/verify-email?token=${encodeURIComponent(token)}`),
        200,
        VerifyEmailResultSchema,
      );

      const signIn = await call("/api/auth/sign-in/email", {
        method: "POST",
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const cookie = cookieOf(signIn);
      expect(cookie).toContain("better-auth.session_token=");
      await answer(signIn, 200, SignInResultSchema);

      const bearer = await answer(
        await call("/api/auth/token", { headers: { cookie } }),
        200,
        AccessTokenSchema,
      );
      const keys = await answer(await call("/api/auth/jwks"), 200, JwksSchema);
      expect(keys.keys.length).toBeGreaterThan(0);

      const created = await answer(
        await call("/api/tasks", {
          method: "POST",
          headers: { authorization: `Bearer ${bearer.token}` },
          body: JSON.stringify({ title: "Read the contract" }),
        }),
        201,
        TaskSchema,
      );
      expect(created.title).toBe("Read the contract");
    });

    it("for errors: the gateway's, Better Auth's and the tasks API's", async () => {
      const noToken = await answer(await call("/api/tasks"), 401, GatewayErrorSchema);
      expect(noToken).toEqual({ message: "Unauthorized" });
      const badToken = await answer(
        await call("/api/tasks", { headers: { authorization: "Bearer not.a.token" } }),
        403,
        GatewayErrorSchema,
      );
      expect(badToken).toEqual({ message: "Forbidden" });

      const wrongPassword = await answer(
        await call("/api/auth/sign-in/email", {
          method: "POST",
          body: JSON.stringify({ email, password: "not the passphrase at all" }),
        }),
        401,
        AuthErrorSchema,
      );
      expect(wrongPassword.code).toBe("INVALID_EMAIL_OR_PASSWORD");
      const noName = await answer(
        await call("/api/auth/sign-up/email", {
          method: "POST",
          body: JSON.stringify({ email: `nameless-${email}`, password: PASSWORD }),
        }),
        400,
        AuthErrorSchema,
      );
      expect(noName.code).toBeTruthy();

      const signIn = await call("/api/auth/sign-in/email", {
        method: "POST",
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const { token } = await answer(
        await call("/api/auth/token", { headers: { cookie: cookieOf(signIn) } }),
        200,
        AccessTokenSchema,
      );
      const invalid = await answer(
        await call("/api/tasks", {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: "" }),
        }),
        400,
        ErrorSchema,
      );
      expect(invalid.error.code).toBe("invalid_request");
    });
  });
});
