import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { closedPort } from "../testing/ports";
import { useTempDir } from "../testing/temp-dir";
import { DataDirInUse } from "./data-dir";
import { rotateLocalAuthSecret } from "./rotate-local-secret";
import { type LocalStack, REPOSITORY_ROOT, startLocalStack } from "./stack";

/**
 * `npm run secret:rotate -- --local` between two runs of the local stack on one data directory
 * (PGlite): what a browser and a token holder see before and after, over HTTP.
 */
const PASSWORD = "correct horse battery staple";

function runRotateCommand(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "infra/deploy/rotate-secret.ts", "--local"],
    {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("rotating the local stack's BETTER_AUTH_SECRET", () => {
  const dataDir = useTempDir("secret-rotate-");
  let stack: LocalStack | undefined;
  // One port for both runs: the origin is the tokens' issuer, and a new one would deny them.
  let port: number | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  const start = async () => {
    port ??= await closedPort();
    stack = await startLocalStack({
      port,
      dataDir: dataDir.path,
      serveSite: false,
      quiet: true,
      emailVerification: false,
    });
    return stack.url;
  };
  const stop = async () => {
    await stack?.close();
    stack = undefined;
  };
  const call = (
    origin: string,
    method: string,
    path: string,
    init: { cookie?: string; token?: string; body?: unknown } = {},
  ) =>
    fetch(`${origin}${path}`, {
      method,
      headers: {
        origin,
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const cookieOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
  const tokenOf = async (origin: string, cookie: string) => {
    const response = await call(origin, "GET", "/api/auth/token", { cookie });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  };

  it("keeps tokens and the signing key, signs browsers out, and refuses while the stack runs", async () => {
    let origin = await start();
    const email = "rotate-local@example.com";
    const signedUp = await call(origin, "POST", "/api/auth/sign-up/email", {
      body: { email, password: PASSWORD, name: "rotate" },
    });
    expect(signedUp.status).toBe(200);
    const oldCookie = cookieOf(signedUp);
    const oldToken = await tokenOf(origin, oldCookie);
    const secretFile = join(dataDir.path, "better-auth-secret");
    const oldSecret = await readFile(secretFile, "utf8");

    await expect(rotateLocalAuthSecret({ dataDir: dataDir.path })).rejects.toBeInstanceOf(
      DataDirInUse,
    );
    await stop();

    const rotated = await runRotateCommand(dataDir.path);
    expect(rotated.code).toBe(0);
    expect(rotated.output).toContain(
      `1 signing key(s) re-encrypted (${decodeProtectedHeader(oldToken).kid})`,
    );
    const newSecret = await readFile(secretFile, "utf8");
    expect(newSecret.trim()).toHaveLength(43);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.output).not.toContain(newSecret.trim());
    expect(rotated.output).not.toContain(oldSecret.trim());
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);

    origin = await start();
    const session = await call(origin, "GET", "/api/auth/get-session", { cookie: oldCookie });
    expect(session.status).toBe(200);
    expect(await session.json()).toBeNull();
    expect((await call(origin, "GET", "/api/tasks", { token: oldToken })).status).toBe(200);

    const signedIn = await call(origin, "POST", "/api/auth/sign-in/email", {
      body: { email, password: PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    const newToken = await tokenOf(origin, cookieOf(signedIn));
    expect(decodeProtectedHeader(newToken).kid).toBe(decodeProtectedHeader(oldToken).kid);
    expect((await call(origin, "GET", "/api/tasks", { token: newToken })).status).toBe(200);
    // Two PGlite starts and a command in its own Node process: minutes on a busy machine.
  }, 300_000);
});
