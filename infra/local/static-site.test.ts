import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlaceholderSite, createStaticSite, type SiteHandler } from "./static-site";

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
    expect((await site(new Request("http://127.0.0.1:3000/tasks/"))).status).toBe(404);
  });
});
