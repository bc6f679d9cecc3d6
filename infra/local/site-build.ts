import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * Builds the Astro site before `npm start` serves it, when site/dist is missing or older than
 * its sources. Without an Astro project there is nothing to build (the stack serves a page that
 * says the API is up).
 */
export type SiteBuildOutcome =
  | { status: "no-site" }
  | { status: "up-to-date" }
  | { status: "built"; reason: string }
  | { status: "failed"; reason: string };

const SOURCE_ENTRIES = ["src", "public", "package.json", "tsconfig.json"];
const CONFIG_FILE = /^astro\.config\.(mjs|js|ts|mts|cjs|cts)$/;

/** Whether `siteRoot` holds an Astro project (an astro.config.* file). */
export function hasAstroProject(siteRoot: string): boolean {
  return existsSync(siteRoot) && readdirSync(siteRoot).some((entry) => CONFIG_FILE.test(entry));
}

function newestModification(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestModification(join(path, entry)));
  }
  return newest;
}

/** Why the build output needs rebuilding, or undefined when it is current. */
export function siteStaleness(siteRoot: string): string | undefined {
  const builtIndex = join(siteRoot, "dist", "index.html");
  if (!existsSync(builtIndex)) return "site/dist is missing";
  const builtAt = statSync(builtIndex).mtimeMs;
  const configs = readdirSync(siteRoot).filter((entry) => CONFIG_FILE.test(entry));
  const sourcesAt = Math.max(
    ...[...SOURCE_ENTRIES, ...configs].map((entry) => newestModification(join(siteRoot, entry))),
  );
  return sourcesAt > builtAt ? "site/dist is older than site/src" : undefined;
}

export function ensureSiteBuilt(repositoryRoot: string): SiteBuildOutcome {
  const siteRoot = resolve(repositoryRoot, "site");
  if (!hasAstroProject(siteRoot)) return { status: "no-site" };
  const reason = siteStaleness(siteRoot);
  if (!reason) return { status: "up-to-date" };
  process.stdout.write(`Building the site (${reason}): npm run site:build\n`);
  const build = spawnSync("npm", ["run", "--silent", "site:build"], {
    cwd: repositoryRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status === 0) return { status: "built", reason };
  return {
    status: "failed",
    reason: build.error ? build.error.message : `npm run site:build exited with ${build.status}`,
  };
}
