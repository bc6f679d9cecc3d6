import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "./stack";

/**
 * `npm run dev` as a user runs it: Astro's dev server in front, /api proxied to the API process,
 * which restarts when a file under functions/ changes.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe("npm run dev (infra/local/dev.ts)", { timeout: 240_000 }, () => {
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  let output = "";

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child?.once("exit", resolve));
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Resolves once `needle` has been printed `count` times. */
  function printed(needle: string, count = 1): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (occurrences(output, needle) >= count) {
          child?.stdout?.off("data", check);
          resolve();
        }
      };
      child?.stdout?.on("data", check);
      child?.once("exit", (code) => reject(new Error(`dev exited with ${code}:\n${output}`)));
      check();
    });
  }

  it("serves the site with /api proxied to the API, and restarts the API when functions change", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "local-dev-"));
    const port = await freePort();
    const apiPort = await freePort();
    child = spawn(process.execPath, ["--import", "tsx", "infra/local/dev.ts"], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, PORT: String(port), API_PORT: String(apiPort), DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });

    await printed("Local stack listening");
    const origin = `http://127.0.0.1:${port}`;
    const health = await fetch(`${origin}/api/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("apigw-requestid")).toBeTruthy();
    expect(output).toContain(`PGlite (${join(dataDir, "pglite")})`);

    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");

    // Touching a module under functions/ (no content change) is a change as far as the watcher goes.
    const restartsBefore = occurrences(output, "Local stack listening");
    const now = new Date();
    await utimes(join(REPOSITORY_ROOT, "functions/tasks/handler.ts"), now, now);
    await printed("Local stack listening", restartsBefore + 1);
    expect(output).toContain("changed, restarting the API");
    expect((await fetch(`${origin}/api/health`)).status).toBe(200);

    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child?.once("exit", resolve));
    expect(code).toBe(0);
    expect(output).toContain("Stopping (SIGTERM)");
  });
});
