/**
 * Keeps the site light: every page's JavaScript and CSS (what the browser downloads for it,
 * following static imports; gzip per file) must stay inside the budgets below. The budgets sit a
 * few per cent above what the pages weigh today; raise one only for a feature worth its bytes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { formatWeights, measurePages, type PageWeight, type Weight } from "./page-weight";
import { DIST_DIR, ensureSiteBuilt } from "./site-build";

interface Budget {
  js: Weight;
  css: Weight;
}

const kB = (value: number) => Math.round(value * 1024);

/** Pages that talk to Better Auth carry its client (about 10.4 kB of the gzip figure). */
const BUDGETS: Record<string, Budget> = {
  "/": { js: { raw: kB(30), gzip: kB(11.3) }, css: { raw: kB(5.8), gzip: kB(2.1) } },
  "/sign-in/": { js: { raw: kB(35), gzip: kB(13.6) }, css: { raw: kB(5.3), gzip: kB(1.8) } },
  "/sign-up/": { js: { raw: kB(35), gzip: kB(13.6) }, css: { raw: kB(5.3), gzip: kB(1.8) } },
  "/account/": { js: { raw: kB(35.5), gzip: kB(13.6) }, css: { raw: kB(5.5), gzip: kB(2) } },
  "/tasks/": { js: { raw: kB(19.2), gzip: kB(7.5) }, css: { raw: kB(8.3), gzip: kB(2.9) } },
  "/404.html": { js: { raw: 0, gzip: 0 }, css: { raw: kB(5.3), gzip: kB(1.8) } },
};

describe("page weight budgets", () => {
  let pages: PageWeight[];

  beforeAll(async () => {
    await ensureSiteBuilt();
    pages = await measurePages(DIST_DIR);
    console.log(formatWeights(pages));
  }, 300_000);

  it("has a budget for every built page and a page for every budget", () => {
    expect(pages.map((page) => page.page).sort()).toEqual(Object.keys(BUDGETS).sort());
  });

  it("counts the scripts and stylesheets the pages load", () => {
    const tasks = pages.find((page) => page.page === "/tasks/");
    expect(tasks?.js.raw).toBeGreaterThan(0);
    expect(tasks?.css.raw).toBeGreaterThan(0);
    expect(tasks?.files.some((file) => file.endsWith(".js"))).toBe(true);
  });

  it("keeps the Better Auth client off the tasks page", () => {
    const tasks = pages.find((page) => page.page === "/tasks/");
    expect(tasks?.files.filter((file) => file.includes("auth-client"))).toEqual([]);
  });

  it("keeps every page's JavaScript and CSS within budget", () => {
    const over: string[] = [];
    for (const page of pages) {
      const budget = BUDGETS[page.page];
      if (!budget) continue;
      for (const kind of ["js", "css"] as const) {
        for (const measure of ["raw", "gzip"] as const) {
          const actual = page[kind][measure];
          const limit = budget[kind][measure];
          if (actual > limit) {
            over.push(`${page.page} ${kind} ${measure}: ${actual} bytes > budget ${limit}`);
          }
        }
      }
    }
    expect(over).toEqual([]);
  });
});
