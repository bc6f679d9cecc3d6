import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listSitePages, NOT_FOUND_PAGE, siteRouterCode } from "./site-router";

interface ViewerEvent {
  context: { eventType: "viewer-request" | "viewer-response" };
  request: { uri: string };
  response?: { statusCode: number; statusDescription?: string };
}
type Handler = (event: ViewerEvent) => { uri?: string; statusCode?: number };

/** Loads the generated CloudFront Function source the way the cloudfront-js runtime does. */
function loadRouter(code: string): Handler {
  return new Function(`${code}\nreturn handler;`)() as Handler;
}

const PAGES = ["/404.html", "/index.html", "/sign-in/index.html", "/tasks/index.html"];
const route = loadRouter(siteRouterCode(PAGES));
const request = (uri: string) =>
  route({ context: { eventType: "viewer-request" }, request: { uri } });
const respond = (uri: string) =>
  route({
    context: { eventType: "viewer-response" },
    request: { uri },
    response: { statusCode: 200, statusDescription: "OK" },
  });

describe("site router (CloudFront Function of the default behaviour)", () => {
  it("maps known pages to their index.html, with and without a trailing slash", () => {
    expect(request("/").uri).toBe("/index.html");
    expect(request("/tasks").uri).toBe("/tasks/index.html");
    expect(request("/tasks/").uri).toBe("/tasks/index.html");
    expect(request("/sign-in/index.html").uri).toBe("/sign-in/index.html");
  });

  it("serves the site's 404 page with status 404 for an unknown page", () => {
    expect(request("/no-such-page").uri).toBe(NOT_FOUND_PAGE);
    expect(request("/tasks/extra/").uri).toBe(NOT_FOUND_PAGE);
    expect(respond(NOT_FOUND_PAGE).statusCode).toBe(404);
    expect(respond("/no-such-page").statusCode).toBe(404);
  });

  it("leaves known pages at 200 and assets untouched", () => {
    expect(respond("/tasks").statusCode).toBe(200);
    expect(respond("/tasks/index.html").statusCode).toBe(200);
    expect(request("/_astro/app.Ab12.js").uri).toBe("/_astro/app.Ab12.js");
    expect(request("/favicon.svg").uri).toBe("/favicon.svg");
    expect(respond("/favicon.svg").statusCode).toBe(200);
  });

  it("refuses a build without a 404 page", () => {
    expect(() => siteRouterCode(["/index.html"])).toThrow(/404/);
  });
});

describe("listSitePages", () => {
  const dir = mkdtempSync(join(tmpdir(), "site-pages-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists every HTML file of a build as a URI path, and nothing else", () => {
    mkdirSync(join(dir, "tasks"));
    mkdirSync(join(dir, "_astro"));
    writeFileSync(join(dir, "index.html"), "");
    writeFileSync(join(dir, "404.html"), "");
    writeFileSync(join(dir, "tasks", "index.html"), "");
    writeFileSync(join(dir, "_astro", "app.js"), "");
    expect(listSitePages(dir)).toEqual(["/404.html", "/index.html", "/tasks/index.html"]);
  });
});
