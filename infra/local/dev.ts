import { type ChildProcess, spawn } from "node:child_process";
import { watch } from "node:fs";
import { resolve } from "node:path";
import { errorMessage } from "../../functions/shared/log";
import { hasAstroProject } from "./site-build";
import { assertPortFree, REPOSITORY_ROOT } from "./stack";

/**
 * `npm run dev`: the local stack with reload.
 *
 * - The API process is `npm start`'s own (infra/local/start.ts), restarted whenever a
 *   handler, module or migration under functions/ changes: the entries read their settings at
 *   load, so a fresh process is the faithful way to apply a change (as a new Lambda version).
 * - Astro's dev server serves the site on PORT (default 3000) with hot reload and proxies /api
 *   to the API process on API_PORT (default PORT + 1) through site/astro.config's
 *   API_PROXY_TARGET; the API process is told the browser's origin (PUBLIC_URL) so cookies,
 *   trusted origins and token issuer match what the browser sees.
 * - Without an Astro project the API process serves on PORT itself.
 */
const HOST = "127.0.0.1";
const RESTART_DEBOUNCE_MS = 150;
const WATCHED = /\.(ts|sql|json)$/;
const IGNORED = /(\.test\.ts$|(^|\/)(node_modules|\.data)\/)/;

function fail(message: string): never {
  process.stderr.write(`npm run dev: ${message.replace(/\s+/g, " ").trim()}\n`);
  process.exit(1);
}

function readPort(name: string, fallback: number): number {
  const raw = process.env[name] ?? String(fallback);
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    fail(`${name} must be a number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => child.once("exit", (code) => resolveExit(code)));
}

async function main(): Promise<void> {
  const port = readPort("PORT", 3000);
  const hasSite = hasAstroProject(resolve(REPOSITORY_ROOT, "site"));
  const apiPort = hasSite ? readPort("API_PORT", port + 1) : port;
  const publicOrigin = `http://${HOST}:${port}`;
  const apiOrigin = `http://${HOST}:${apiPort}`;

  await assertPortFree(port);
  if (apiPort !== port) await assertPortFree(apiPort);

  let stopping = false;
  let api: ChildProcess | undefined;
  let firstStart = true;
  const startApi = () => {
    const child = spawn(process.execPath, ["--import", "tsx", "infra/local/start.ts"], {
      cwd: REPOSITORY_ROOT,
      stdio: "inherit",
      env: {
        ...process.env,
        PORT: String(apiPort),
        ...(hasSite ? { SERVE_SITE: "false", PUBLIC_URL: publicOrigin } : {}),
      },
    });
    const isFirst = firstStart;
    firstStart = false;
    child.once("exit", (code, signal) => {
      if (api !== child || signal || code === 0) return;
      if (isFirst) {
        // start.ts already printed why (data directory or port in use, bad settings).
        void shutdown(1);
        return;
      }
      process.stderr.write(
        `npm run dev: the API process exited (${code}); fix the error, it restarts on the next change\n`,
      );
    });
    api = child;
  };

  let restarting: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const scheduleRestart = (file: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      restarting = restarting.then(async () => {
        process.stdout.write(`npm run dev: ${file} changed, restarting the API…\n`);
        const previous = api;
        api = undefined;
        if (previous && previous.exitCode === null) {
          previous.kill("SIGTERM");
          await exited(previous);
        }
        startApi();
      });
    }, RESTART_DEBOUNCE_MS);
  };

  const watcher = watch(resolve(REPOSITORY_ROOT, "functions"), { recursive: true }, (_, file) => {
    if (file && WATCHED.test(file) && !IGNORED.test(file)) scheduleRestart(`functions/${file}`);
  });

  startApi();

  let astro: ChildProcess | undefined;
  if (hasSite) {
    const astroCli = resolve(REPOSITORY_ROOT, "node_modules/astro/astro.js");
    astro = spawn(
      process.execPath,
      [astroCli, "dev", "--root", "site", "--host", HOST, "--port", String(port)],
      {
        cwd: REPOSITORY_ROOT,
        stdio: "inherit",
        env: { ...process.env, API_PROXY_TARGET: apiOrigin },
      },
    );
    astro.once("exit", (code, signal) => {
      if (!signal && !stopping) {
        process.stderr.write(`npm run dev: the Astro dev server exited (${code})\n`);
        void shutdown(1);
      }
    });
    process.stdout.write(
      `npm run dev: site with hot reload on ${publicOrigin}, API on ${apiOrigin} (proxied at /api), restarts on changes under functions/\n`,
    );
  } else {
    process.stdout.write(
      `npm run dev: no Astro project in site/; the API serves ${publicOrigin} and restarts on changes under functions/\n`,
    );
  }

  async function shutdown(code: number, signal?: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    watcher.close();
    clearTimeout(timer);
    await restarting;
    const children = [api, astro].filter((child): child is ChildProcess => child !== undefined);
    await Promise.all(
      children.map(async (child) => {
        // Ctrl-C reaches the whole process group: give children the moment to stop on their own.
        if (signal !== "SIGINT") child.kill("SIGTERM");
        const grace = setTimeout(() => child.kill("SIGTERM"), 5_000);
        await exited(child);
        clearTimeout(grace);
      }),
    );
    process.exit(code);
  }

  process.on("SIGINT", () => void shutdown(0, "SIGINT"));
  process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
  // `kill <npm pid>` ends npm and its shell without passing the signal on: stop with our parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0, "SIGTERM");
  }, 1_000).unref();
}

main().catch((error: unknown) => fail(errorMessage(error)));
