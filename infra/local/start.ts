import { relative, resolve } from "node:path";
import { authConfig } from "../../functions/auth/config";
import { parseSetting } from "../../functions/shared/config";
import { errorMessage, log } from "../../functions/shared/log";
import { databaseUrl } from "../../functions/shared/settings";
import { configureTelemetry } from "../../functions/shared/telemetry";
import { assertDataDirFree } from "./data-dir";
import { ensureSiteBuilt } from "./site-build";
import {
  assertPortFree,
  DEFAULT_DATA_DIR,
  DEFAULT_INSTANCES,
  type LocalStack,
  MAX_INSTANCES,
  REPOSITORY_ROOT,
  startLocalStack,
} from "./stack";

/**
 * `npm start`: the whole product on http://127.0.0.1:3000 (PORT overrides) with the embedded
 * database under .data/ (DATA_DIR overrides; DATABASE_URL switches to any Postgres).
 * Failures print one line and exit 1; Ctrl-C / SIGTERM close the database and exit 0.
 *
 * npm run dev runs this file as its API process with SERVE_SITE=false and PUBLIC_URL set to
 * the Astro dev server's origin, which proxies /api here.
 */
function fail(message: string): never {
  process.stderr.write(`npm start: ${message.replace(/\s+/g, " ").trim()}\n`);
  process.exit(1);
}

function readPort(): number {
  const raw = process.env.PORT ?? "3000";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535)
    fail(`PORT must be a number from 0 to 65535, got "${raw}"`);
  return port;
}

/** LOCAL_INSTANCES: the most instances of each function that run at once. */
function readInstances(): number {
  const raw = process.env.LOCAL_INSTANCES;
  if (raw === undefined || raw === "") return DEFAULT_INSTANCES;
  const instances = Number(raw);
  if (!/^\d+$/.test(raw) || instances < 1 || instances > MAX_INSTANCES) {
    fail(`LOCAL_INSTANCES must be a whole number from 1 to ${MAX_INSTANCES}, got "${raw}"`);
  }
  return instances;
}

async function main(): Promise<void> {
  // This process's own lines (gateway, access log); each function instance configures its own.
  configureTelemetry("local", process.env);
  const port = readPort();
  const instances = readInstances();
  const dataDir = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : DEFAULT_DATA_DIR;
  const serveSite = process.env.SERVE_SITE !== "false";

  // Signals are handled from the first moment: one that arrives while the stack starts stops it
  // as soon as it is up, so the database is always closed properly.
  let stack: LocalStack | undefined;
  let stopRequest: { reason: string; code: number } | undefined;
  let stopping = false;
  let stoppingSince = 0;
  // Read through a function: the signal handlers set it between the awaits below.
  const requestedStop = () => stopRequest;
  const stop = async (reason: string, code: number) => {
    if (stopping) {
      // One stop can arrive as several: the terminal's signal, npm forwarding it, npm exiting.
      // Only a later, deliberate second signal forces the exit.
      if (reason === "parent exited" || performance.now() - stoppingSince < 1_000) return;
      process.stderr.write("npm start: forced exit while closing\n");
      process.exit(1);
    }
    if (!stack) {
      stopRequest ??= { reason, code };
      return;
    }
    stopping = true;
    stoppingSince = performance.now();
    process.stdout.write(`Stopping (${reason}): closing the server and the database…\n`);
    try {
      await stack.close();
      process.exit(code);
    } catch (error) {
      fail(`could not stop cleanly: ${errorMessage(error)}`);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  // `kill <npm pid>` ends npm and its shell without passing the signal on: stop with our parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop("parent exited", 0);
  }, 1_000).unref();

  // Refuse at once, before any slow work, when another stack holds the data or the port.
  await assertDataDirFree(dataDir);
  await assertPortFree(port);
  const early = requestedStop();
  if (early) process.exit(early.code);

  if (serveSite) {
    const site = ensureSiteBuilt(REPOSITORY_ROOT);
    if (site.status === "failed") {
      process.stderr.write(
        `npm start: the site build failed (${site.reason}); serving the last build\n`,
      );
    }
  }

  // The functions' own settings, when given, under the names their Lambdas read them by.
  const { settings } = authConfig;
  stack = await startLocalStack({
    port,
    dataDir,
    serveSite,
    instances,
    databaseUrl: process.env[databaseUrl.variable] || undefined,
    secret: process.env[settings.secret.variable] || undefined,
    rateLimit: parseSetting(settings.rateLimit, process.env),
    emailVerification: parseSetting(settings.emailVerification, process.env),
    ...(process.env.PUBLIC_URL ? { publicUrl: process.env.PUBLIC_URL } : {}),
  });
  process.on("uncaughtException", (error) => {
    log.error("unexpected error", { error: errorMessage(error) });
    void stop("error", 1);
  });
  const pending = requestedStop();
  if (pending) return stop(pending.reason, pending.code);

  const inside = relative(process.cwd(), dataDir);
  const shown = inside && !inside.startsWith("..") ? inside : dataDir;
  const migrations =
    stack.migrationsApplied === 0
      ? "schema up to date"
      : `${stack.migrationsApplied} migration(s) applied`;
  process.stdout.write(
    [
      `Local stack listening on ${stack.url} (ready ${process.uptime().toFixed(2)} s after launch)`,
      `  database: ${stack.databaseLabel}, ${migrations}`,
      `  start-up: database ${stack.timings.database} ms, migrations ${stack.timings.migrations} ms, functions ${stack.timings.functions} ms`,
      `  functions: one warm instance each, up to ${instances} (LOCAL_INSTANCES); more start cold when all are busy`,
      `  data: ${shown}/   stop: Ctrl-C`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => fail(errorMessage(error)));
