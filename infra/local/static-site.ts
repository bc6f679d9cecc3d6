import { readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { lookup } from "mrmime";
import { SITE_SECURITY_HEADERS, securityHeaderFields } from "../security-headers";

/**
 * Serves a built static site the way the CDN does: files with their content types, a
 * directory's index.html, the site's own 404.html (status 404) for unknown pages. Hashed
 * assets under /_astro/ are cacheable forever; pages are revalidated.
 */
export type SiteHandler = (request: Request) => Promise<Response>;

/** What CloudFront's site response headers policy adds to every answer (the stack is plain http). */
const SITE_HEADER_FIELDS = securityHeaderFields(SITE_SECURITY_HEADERS, { https: false });

const TEXT_TYPES = /^(text\/|application\/(javascript|json|xml|manifest\+json)|image\/svg\+xml)/;

function contentType(file: string): string {
  const type = lookup(file) ?? "application/octet-stream";
  return TEXT_TYPES.test(type) ? `${type}; charset=utf-8` : type;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file a URL path names inside `root`, or undefined (also for anything escaping root). */
async function resolveFile(root: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const target = resolve(root, `.${decoded}`);
  const inside = relative(root, target);
  if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return undefined;
  const candidates = decoded.endsWith("/")
    ? [join(target, "index.html")]
    : [target, join(target, "index.html"), `${target}.html`];
  for (const candidate of candidates) {
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}

function methodNotAllowed(): Response {
  return new Response("Method Not Allowed", {
    status: 405,
    headers: {
      allow: "GET, HEAD",
      "content-type": "text/plain; charset=utf-8",
      ...SITE_HEADER_FIELDS,
    },
  });
}

export function createStaticSite(rootDir: string): SiteHandler {
  const root = resolve(rootDir);
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed();
    const { pathname } = new URL(request.url);
    const file = await resolveFile(root, pathname);
    if (file) {
      const immutable = pathname.startsWith("/_astro/");
      return new Response(await readFile(file), {
        status: 200,
        headers: {
          "content-type": contentType(file),
          "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
          ...SITE_HEADER_FIELDS,
        },
      });
    }
    const notFoundPage = join(root, "404.html");
    const notFound = (await isFile(notFoundPage)) ? await readFile(notFoundPage) : "Not Found";
    return new Response(notFound, {
      status: 404,
      headers: {
        "content-type":
          typeof notFound === "string" ? "text/plain; charset=utf-8" : contentType(notFoundPage),
        "cache-control": "no-cache",
        ...SITE_HEADER_FIELDS,
      },
    });
  };
}

/** Served at / when there is no built site yet: the API works regardless. */
export function createPlaceholderSite(): SiteHandler {
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>API is up</title></head>
<body>
<h1>The API is up</h1>
<p>The site has not been built yet (no <code>site/dist</code>). The API answers under
<a href="/api/health"><code>/api</code></a>; <code>npm run site:build</code> builds the site.</p>
</body>
</html>
`;
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed();
    const { pathname } = new URL(request.url);
    if (pathname !== "/" && pathname !== "/index.html") {
      return new Response("Not Found", {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8", ...SITE_HEADER_FIELDS },
      });
    }
    return new Response(page, {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        ...SITE_HEADER_FIELDS,
      },
    });
  };
}
