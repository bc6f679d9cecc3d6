/** Measures the JavaScript and CSS each built page makes the browser download. */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, posix, relative } from "node:path";
import { gzipSync } from "node:zlib";

export interface Weight {
  raw: number;
  gzip: number;
}

export interface PageWeight {
  /** The page's address, e.g. "/tasks/". */
  page: string;
  js: Weight;
  css: Weight;
  /** Every file counted, relative to dist (inline code is listed as "inline"). */
  files: string[];
}

const STATIC_IMPORT =
  /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+\.js)["']\s*\)/g;
const SCRIPT_SRC = /<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g;
const INLINE_SCRIPT = /<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g;
const STYLESHEET = /<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"[^>]*>/g;
const INLINE_STYLE = /<style\b[^>]*>([\s\S]*?)<\/style>/g;

function weigh(content: string | Buffer): Weight {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  return { raw: bytes.length, gzip: bytes.length === 0 ? 0 : gzipSync(bytes, { level: 9 }).length };
}

function add(total: Weight, part: Weight): void {
  total.raw += part.raw;
  total.gzip += part.gzip;
}

async function htmlPages(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await htmlPages(path)));
    else if (entry.name.endsWith(".html")) found.push(path);
  }
  return found.sort();
}

function pageAddress(distDir: string, file: string): string {
  const path = `/${relative(distDir, file).split("\\").join("/")}`;
  return path.endsWith("/index.html") ? path.slice(0, -"index.html".length) : path;
}

/** A module and everything it imports statically (dynamic import() chunks load later, on demand). */
async function moduleGraph(distDir: string, entry: string, seen: Set<string>): Promise<void> {
  if (seen.has(entry)) return;
  seen.add(entry);
  const code = await readFile(join(distDir, entry), "utf8");
  for (const match of code.matchAll(STATIC_IMPORT)) {
    const specifier = match[1];
    if (!specifier?.startsWith(".") && !specifier?.startsWith("/")) continue;
    await moduleGraph(distDir, resolveImport(entry, specifier), seen);
  }
}

function resolveImport(entry: string, specifier: string): string {
  return specifier.startsWith("/")
    ? specifier.slice(1)
    : posix.join(posix.dirname(entry), specifier);
}

/**
 * What a module fetches later through dynamic import(), transitively: the chunks a page pays for
 * only when the code that needs them first runs. `chunkName` picks the module by file name.
 */
export async function measureOnDemand(
  distDir: string,
  chunkName: string,
): Promise<{ files: string[]; weight: Weight }> {
  const chunk = (await readdir(join(distDir, "_astro"))).find(
    (name) => name.startsWith(`${chunkName}.`) && name.endsWith(".js"),
  );
  if (!chunk) throw new Error(`no chunk named ${chunkName} in ${distDir}`);
  const loaded = new Set<string>();
  await moduleGraph(distDir, `_astro/${chunk}`, loaded);
  const later = new Set<string>();
  const queue = [...loaded];
  for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
    const code = await readFile(join(distDir, entry), "utf8");
    for (const match of code.matchAll(DYNAMIC_IMPORT)) {
      const graph = new Set<string>();
      await moduleGraph(distDir, resolveImport(entry, match[1] ?? ""), graph);
      for (const module of graph) {
        if (loaded.has(module) || later.has(module)) continue;
        later.add(module);
        queue.push(module);
      }
    }
  }
  const weight: Weight = { raw: 0, gzip: 0 };
  for (const module of later) add(weight, weigh(await readFile(join(distDir, module))));
  return { files: [...later], weight };
}

export async function measurePages(distDir: string): Promise<PageWeight[]> {
  const results: PageWeight[] = [];
  for (const file of await htmlPages(distDir)) {
    const html = await readFile(file, "utf8");
    const js: Weight = { raw: 0, gzip: 0 };
    const css: Weight = { raw: 0, gzip: 0 };
    const files: string[] = [];
    const modules = new Set<string>();
    for (const match of html.matchAll(SCRIPT_SRC)) {
      const src = match[1] ?? "";
      const entry = src.startsWith("/")
        ? src.slice(1)
        : posix.join(relative(distDir, dirname(file)), src);
      await moduleGraph(distDir, entry, modules);
    }
    for (const module of modules) {
      add(js, weigh(await readFile(join(distDir, module))));
      files.push(module);
    }
    for (const match of html.matchAll(INLINE_SCRIPT)) {
      const code = match[1] ?? "";
      if (code.trim() === "") continue;
      add(js, weigh(code));
      files.push("inline script");
    }
    for (const match of html.matchAll(STYLESHEET)) {
      const href = (match[1] ?? "").replace(/^\//, "");
      add(css, weigh(await readFile(join(distDir, href))));
      files.push(href);
    }
    for (const match of html.matchAll(INLINE_STYLE)) {
      add(css, weigh(match[1] ?? ""));
      files.push("inline style");
    }
    results.push({ page: pageAddress(distDir, file), js, css, files });
  }
  return results;
}

export function formatWeights(pages: PageWeight[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const rows = pages.map(
    (page) =>
      `${page.page.padEnd(12)} JS ${kb(page.js.raw).padStart(8)} (${kb(page.js.gzip).padStart(7)} gzip)   CSS ${kb(page.css.raw).padStart(7)} (${kb(page.css.gzip).padStart(6)} gzip)`,
  );
  return ["Page weight (raw, gzip level 9 per file):", ...rows].join("\n");
}
