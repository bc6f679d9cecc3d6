import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "./stack";

/**
 * `npm start` as a user runs it: a child process on a temporary data directory. A second start
 * on the same data directory or on a busy port fails at once with one line, and SIGTERM stops
 * the first cleanly, leaving a data directory the next start reuses.
 */
interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function runStart(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ["--import", "tsx", "infra/local/start.ts"], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, SERVE_SITE: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: Run = {
    child,
    stdout: "",
    stderr: "",
    exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  return run;
}

/** Resolves with the URL once the stack prints that it listens; rejects if it exits first. */
function listening(run: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout);
      if (found?.[1]) {
        run.child.stdout?.off("data", check);
        resolve(found[1]);
      }
    };
    run.child.stdout?.on("data", check);
    check();
    void run.exit.then((code) => reject(new Error(`exited with ${code}: ${run.stderr}`)));
  });
}

function errorLines(run: Run): string[] {
  return run.stderr.split("\n").filter((line) => line.trim() !== "");
}

// Each test spawns Node + tsx processes; on a busy machine a start can take many seconds.
describe("npm start (infra/local/start.ts)", { timeout: 180_000 }, () => {
  let dataDir: string;
  let first: Run | undefined;
  let blocker: Server | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "local-start-"));
  });

  afterAll(async () => {
    if (first && first.child.exitCode === null) {
      first.child.kill("SIGKILL");
      await first.exit;
    }
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves, refuses a second start on the same data or port with one line, and stops cleanly", async () => {
    first = runStart({ PORT: "0", DATA_DIR: dataDir });
    const url = await listening(first);
    expect(first.stdout).toContain(`database: PGlite (${join(dataDir, "pglite")})`);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);

    const sameData = runStart({ PORT: "0", DATA_DIR: dataDir });
    expect(await sameData.exit).toBe(1);
    expect(errorLines(sameData)).toEqual([
      `npm start: ${dataDir} is in use by another local stack (pid ${first.child.pid}); stop it first or set DATA_DIR`,
    ]);

    const port = new URL(url).port;
    const otherDataDir = await mkdtemp(join(tmpdir(), "local-start-other-"));
    try {
      const samePort = runStart({ PORT: port, DATA_DIR: otherDataDir });
      expect(await samePort.exit).toBe(1);
      expect(errorLines(samePort)).toEqual([
        `npm start: port ${port} is already in use (another npm start?); set PORT to use another port`,
      ]);
      expect(await readdir(otherDataDir)).toEqual([]);
    } finally {
      await rm(otherDataDir, { recursive: true, force: true });
    }

    // The first stack was untouched by both attempts.
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect(first.stdout).toMatch(/"message":"access".*"path":"\/api\/health","status":200/);

    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect((await readdir(dataDir)).sort()).toEqual(["better-auth-secret", "pglite"]);

    // The data directory is reusable at once.
    const again = runStart({ PORT: "0", DATA_DIR: dataDir });
    await listening(again);
    expect(again.stdout).toContain("schema up to date");
    // Ctrl-C under npm arrives twice (the terminal's and npm's forwarded copy): one clean stop.
    again.child.kill("SIGINT");
    again.child.kill("SIGINT");
    expect(await again.exit).toBe(0);
    expect(again.stderr).not.toContain("forced exit");
  });

  it("fails with one line when the port is held by another program", async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const run = runStart({ PORT: String(port), DATA_DIR: dataDir });
    expect(await run.exit).toBe(1);
    expect(errorLines(run)).toEqual([
      `npm start: port ${port} is already in use (another npm start?); set PORT to use another port`,
    ]);
  });

  it("replaces a stale lock left by a process that no longer runs", async () => {
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.once("exit", resolve));
    await writeFile(join(dataDir, "stack.lock"), `${dead.pid}\n`);
    const run = runStart({ PORT: "0", DATA_DIR: dataDir });
    await listening(run);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    expect(await readdir(dataDir)).not.toContain("stack.lock");
  });

  it("rejects a PORT that is not a number with one line", async () => {
    const run = runStart({ PORT: "eighty", DATA_DIR: dataDir });
    expect(await run.exit).toBe(1);
    expect(errorLines(run)).toEqual([
      'npm start: PORT must be a number from 0 to 65535, got "eighty"',
    ]);
  });

  it.each(["0", "17", "two"])("rejects LOCAL_INSTANCES=%s with one line", async (value) => {
    const run = runStart({ LOCAL_INSTANCES: value, DATA_DIR: dataDir });
    expect(await run.exit).toBe(1);
    expect(errorLines(run)).toEqual([
      `npm start: LOCAL_INSTANCES must be a whole number from 1 to 16, got "${value}"`,
    ]);
  });
});
