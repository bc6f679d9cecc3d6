/**
 * Builds the site once for the test run. The budget test and the browser tests both call
 * ensureSiteBuilt(); a lock directory keeps parallel test files from building at the same time,
 * and a fresh build (newer than every source file) is reused. The tests build into their own
 * folder, not site/dist, so an `npm start` rebuilding site/dist cannot pull pages away mid-test.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHECKOUT = createHash("sha256").update(SITE_ROOT).digest("hex").slice(0, 12);
/** The build the tests measure and serve (one per checkout). */
export const DIST_DIR = join(tmpdir(), `site-test-dist-${CHECKOUT}`);
const STAMP = join(tmpdir(), `site-test-dist-${CHECKOUT}.stamp`);
const LOCK = join(tmpdir(), `site-test-dist-${CHECKOUT}.lock`);
/** The site's own sources, and the server module its pages bundle (the password policy). */
const SOURCES = [
  "src",
  "public",
  "astro.config.mjs",
  "../functions/auth/password-policy-options.ts",
];
const ASTRO_BIN = resolve(SITE_ROOT, "..", "node_modules", "astro", "astro.js");

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) {
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

export async function isDistFresh(): Promise<boolean> {
  const built = await stat(STAMP).catch(() => null);
  const page = await stat(join(DIST_DIR, "index.html")).catch(() => null);
  if (!built || !page) return false;
  let newestSource = 0;
  for (const source of SOURCES) {
    newestSource = Math.max(newestSource, await newestMtime(join(SITE_ROOT, source)));
  }
  return built.mtimeMs >= newestSource;
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const info = await stat(LOCK).catch(() => null);
      // A lock older than five minutes belongs to a run that died.
      if (info && Date.now() - info.mtimeMs > 5 * 60_000)
        await rm(LOCK, { recursive: true, force: true });
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

/** Builds the site into DIST_DIR unless that build is newer than every source file. */
export async function ensureSiteBuilt(): Promise<void> {
  if (await isDistFresh()) return;
  await acquireLock();
  try {
    if (await isDistFresh()) return;
    const started = Date.now();
    await run(
      process.execPath,
      [ASTRO_BIN, "build", "--root", SITE_ROOT, "--outDir", DIST_DIR, "--silent"],
      {
        cwd: resolve(SITE_ROOT, ".."),
        env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    await writeFile(STAMP, new Date(started).toISOString());
    // The stamp records when the build started, so an edit during the build counts as stale.
    await utimes(STAMP, new Date(started), new Date(started));
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
