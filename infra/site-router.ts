import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";

/**
 * The CloudFront Function of the site's default behaviour (cloudfront-js-2.0), attached to both
 * viewer request and viewer response.
 *
 * Why not distribution-level custom error responses: CloudFront applies them to every behaviour,
 * so they would also rewrite the API's 401/403/404 JSON under /api/*. Instead the function knows
 * the pages the Astro build produced: a known page maps to its `index.html` (directory format),
 * an unknown page is served from `/404.html`, and the viewer response turns that into a 404.
 * Files with an extension (assets) pass through unchanged.
 */
export const NOT_FOUND_PAGE = "/404.html";

export function siteRouterCode(pages: readonly string[]): string {
  if (!pages.includes(NOT_FOUND_PAGE)) {
    throw new Error(`the site build has no ${NOT_FOUND_PAGE}; add site/src/pages/404.astro`);
  }
  const known = JSON.stringify(Object.fromEntries(pages.map((page) => [page, 1])));
  return `var PAGES = ${known};
function pageFor(uri) {
  if (uri.charAt(uri.length - 1) === "/") return uri + "index.html";
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) return uri + "/index.html";
  return uri;
}
function isUnknownPage(uri) {
  var page = pageFor(uri);
  return page.substring(page.length - 5) === ".html" && !PAGES[page];
}
function handler(event) {
  var request = event.request;
  if (event.context.eventType === "viewer-response") {
    var response = event.response;
    if (request.uri === "${NOT_FOUND_PAGE}" || isUnknownPage(request.uri)) {
      response.statusCode = 404;
      response.statusDescription = "Not Found";
    }
    return response;
  }
  request.uri = isUnknownPage(request.uri) ? "${NOT_FOUND_PAGE}" : pageFor(request.uri);
  return request;
}
`;
}

/** Every HTML file of a static build, as the URI path CloudFront asks S3 for ("/tasks/index.html"). */
export function listSitePages(buildDirectory: string): string[] {
  const pages: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".html")) {
        pages.push(`/${relative(buildDirectory, path).split(sep).join("/")}`);
      }
    }
  };
  walk(buildDirectory);
  return pages.sort();
}
