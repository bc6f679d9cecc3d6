import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SITE_CONTENT_SECURITY_POLICY } from "../security-headers";
import { createPlaceholderSite, createStaticSite, type SiteHandler } from "./static-site";

/** The site's header set over plain http, spelled out so a change to the shared module shows here. */
function expectSiteSecurityHeaders(response: Response, label: string) {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp, label).toBe(SITE_CONTENT_SECURITY_POLICY);
  expect(csp, label).toContain("script-src 'self';");
  expect(csp, label).toContain("style-src 'self';");
  expect(csp, label).toContain("frame-ancestors 'none'");
  expect(csp, label).not.toContain("unsafe-inline");
  expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(response.headers.get("x-frame-options"), label).toBe("DENY");
  expect(response.headers.get("referrer-policy"), label).toBe("strict-origin-when-cross-origin");
  // Browsers ignore HSTS over http; only the deployed (https) policy sends it.
  expect(response.headers.get("strict-transport-security"), label).toBeNull();
}

describe("static site", () => {
  let parent: string;
  let site: SiteHandler;
  const get = (path: string, method = "GET") =>
    site(new Request(`http://127.0.0.1:3000${path}`, { method }));

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "static-site-"));
    const root = join(parent, "dist");
    await mkdir(join(root, "tasks"), { recursive: true });
    await mkdir(join(root, "_astro"), { recursive: true });
    await writeFile(join(parent, "secret.txt"), "outside the site");
    await writeFile(join(root, "index.html"), "<title>home</title>");
    await writeFile(join(root, "tasks", "index.html"), "<title>tasks</title>");
    await writeFile(join(root, "404.html"), "<title>missing</title>");
    await writeFile(join(root, "_astro", "app.Ab12.js"), "console.log(1)");
    await writeFile(join(root, "_astro", "style.Cd34.css"), "body{}");
    await writeFile(join(root, "favicon.svg"), "<svg/>");
    await writeFile(join(root, "photo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    site = createStaticSite(root);
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("serves files with their content types", async () => {
    const cases: Array<[string, string]> = [
      ["/", "text/html; charset=utf-8"],
      ["/_astro/app.Ab12.js", "text/javascript; charset=utf-8"],
      ["/_astro/style.Cd34.css", "text/css; charset=utf-8"],
      ["/favicon.svg", "image/svg+xml; charset=utf-8"],
      ["/photo.png", "image/png"],
    ];
    for (const [path, type] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toBe(type);
    }
    expect(Buffer.from(await (await get("/photo.png")).arrayBuffer())).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    );
  });

  it("serves a directory's index.html with or without the trailing slash", async () => {
    for (const path of ["/tasks", "/tasks/", "/tasks/index.html"]) {
      expect(await (await get(path)).text(), path).toBe("<title>tasks</title>");
    }
  });

  it("caches hashed assets forever and revalidates pages", async () => {
    expect((await get("/_astro/app.Ab12.js")).headers.get("cache-control")).toContain("immutable");
    expect((await get("/tasks/")).headers.get("cache-control")).toBe("no-cache");
  });

  it("answers unknown pages with the site's 404.html and status 404", async () => {
    const response = await get("/no/such/page");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await response.text()).toBe("<title>missing</title>");
  });

  it("sends the site's security headers on every answer: pages, assets, the 404 page, 405", async () => {
    const answers: Array<[string, string, number]> = [
      ["/", "GET", 200],
      ["/tasks/", "GET", 200],
      ["/_astro/app.Ab12.js", "GET", 200],
      ["/_astro/style.Cd34.css", "GET", 200],
      ["/photo.png", "HEAD", 200],
      ["/no/such/page", "GET", 404],
      ["/../secret.txt", "GET", 404],
      ["/", "POST", 405],
    ];
    for (const [path, method, status] of answers) {
      const response = await get(path, method);
      expect(response.status, `${method} ${path}`).toBe(status);
      expectSiteSecurityHeaders(response, `${method} ${path}`);
    }
  });

  it("never serves files outside the site directory", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%00"]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("outside the site");
    }
  });

  it("allows only GET and HEAD", async () => {
    const response = await get("/", "POST");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("placeholder site", () => {
  it("says the API is up at / and 404s elsewhere", async () => {
    const site = createPlaceholderSite();
    const home = await site(new Request("http://127.0.0.1:3000/"));
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("The API is up");
    expectSiteSecurityHeaders(home, "placeholder /");
    const missing = await site(new Request("http://127.0.0.1:3000/tasks/"));
    expect(missing.status).toBe(404);
    expectSiteSecurityHeaders(missing, "placeholder 404");
  });
});
