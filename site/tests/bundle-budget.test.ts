/**
 * Keeps the site light: every page's JavaScript and CSS (what the browser downloads for it,
 * following static imports; gzip per file) must stay inside the budgets below. The budgets sit a
 * few per cent above what the pages weigh today; raise one only for a feature worth its bytes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  formatWeights,
  measureOnDemand,
  measurePages,
  type PageWeight,
  type Weight,
} from "./page-weight";
import { DIST_DIR, ensureSiteBuilt } from "./site-build";

interface Budget {
  js: Weight;
  css: Weight;
}

const kB = (value: number) => Math.round(value * 1024);

/**
 * Pages that talk to Better Auth carry its client (about 10.4 kB of the gzip figure). Pages with
 * a new password carry password-strength.ts (about 1.2 kB gzip); the estimator it loads on first
 * focus (policy + dictionaries, about 850 kB gzip) is not part of any page's load.
 *
 * Re-set for issue 15's look: the design tokens for both schemes and the phone rules add about
 * 0.7 kB gzip of CSS to every page (the landing page's task-list preview 0.8 kB more); the
 * checked `next` path, the signed-in mark and the 429 countdown add about 0.8 kB gzip of JS to
 * the pages that sign in or send visitors to sign-in.
 */
const BUDGETS: Record<string, Budget> = {
  "/": { js: { raw: kB(31.5), gzip: kB(11.8) }, css: { raw: kB(12.9), gzip: kB(3.4) } },
  "/sign-in/": { js: { raw: kB(38.6), gzip: kB(15) }, css: { raw: kB(9.8), gzip: kB(2.6) } },
  "/sign-up/": { js: { raw: kB(40.6), gzip: kB(16.1) }, css: { raw: kB(9.8), gzip: kB(2.6) } },
  "/check-inbox/": { js: { raw: kB(38.8), gzip: kB(15.3) }, css: { raw: kB(9.8), gzip: kB(2.6) } },
  "/verify-email/": { js: { raw: kB(42), gzip: kB(16.9) }, css: { raw: kB(9.8), gzip: kB(2.6) } },
  "/forgot-password/": {
    js: { raw: kB(38.6), gzip: kB(15.1) },
    css: { raw: kB(9.8), gzip: kB(2.6) },
  },
  "/reset-password/": {
    js: { raw: kB(40.6), gzip: kB(16.1) },
    css: { raw: kB(9.8), gzip: kB(2.6) },
  },
  "/account/": { js: { raw: kB(45.2), gzip: kB(17.8) }, css: { raw: kB(11), gzip: kB(3) } },
  // Quick-add, the filter in the address with counts, relative dates, an undo per delete, the
  // 429 countdown and the look's tokens (issue 15): 7.3 -> 10.0 kB gzip of JS, 2.9 -> 4.1 kB of CSS.
  "/tasks/": { js: { raw: kB(25.7), gzip: kB(10.5) }, css: { raw: kB(15.1), gzip: kB(4.3) } },
  "/404.html": { js: { raw: 0, gzip: 0 }, css: { raw: kB(9.8), gzip: kB(2.6) } },
};

/** The pages that ask for a new password and so show live strength feedback. */
const NEW_PASSWORD_PAGES = ["/sign-up/", "/reset-password/", "/account/"];

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

  it("loads the password estimator on demand only, on the pages that ask for a new password", async () => {
    const withFeedback = pages
      .filter((page) => page.files.some((file) => file.includes("password-strength")))
      .map((page) => page.page);
    expect(withFeedback.sort()).toEqual([...NEW_PASSWORD_PAGES].sort());
    for (const page of pages) {
      expect(page.files.filter((file) => file.includes("password-policy"))).toEqual([]);
    }
    const onDemand = await measureOnDemand(DIST_DIR, "password-strength");
    console.log(
      `Password estimator, loaded on first use: ${onDemand.files.length} files, ${(onDemand.weight.raw / 1024).toFixed(1)} kB (${(onDemand.weight.gzip / 1024).toFixed(1)} kB gzip)`,
    );
    // The dictionaries really are behind the dynamic import (they weigh hundreds of kB).
    expect(onDemand.weight.gzip).toBeGreaterThan(kB(500));
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
