/**
 * axe-core on every page and state of the site in real Chromium, in the light and the dark
 * scheme, at 1280 and 360 px wide: no serious or critical violation of WCAG 2.1 A/AA or of axe's
 * best practices. A failure lists each violation with its rule, impact and the elements it found.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { describeInChromium, useSiteHarness, type Visitor } from "./site-harness";

const AXE_SOURCE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const FAILING_IMPACTS = new Set(["serious", "critical"]);
/** Each state is scanned in both schemes, at the desktop and the phone size the issue tried. */
const VIEWS = [
  { colorScheme: "light", width: 1280, height: 800 },
  { colorScheme: "dark", width: 1280, height: 800 },
  { colorScheme: "light", width: 360, height: 740 },
  { colorScheme: "dark", width: 360, height: 740 },
] as const;

/** The parts of an axe result the report needs. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

const run = randomUUID().slice(0, 8);
const frank: Visitor = {
  email: `frank-${run}@example.com`,
  password: "harbour violet sprocket tune",
};
const SLOW = { timeout: 15_000 };

describeInChromium("accessibility of every page and state (axe-core)", () => {
  const site = useSiteHarness("a11y-e2e", { rateLimit: false });
  const { newVisitor, url } = site;
  let axeSource = "";

  beforeAll(async () => {
    axeSource = await readFile(AXE_SOURCE_PATH, "utf8");
  });

  /**
   * Runs axe in the page as it is now, in both schemes at both sizes, and returns one line per serious or
   * critical violation. Injected through the debugger, not a <script>: the site's CSP refuses
   * inline scripts, and that refusal would fail the suite's CSP check.
   */
  async function scan(page: Page, state: string): Promise<string[]> {
    await page.evaluate(axeSource);
    const found: string[] = [];
    const restore = page.viewportSize();
    for (const { colorScheme, width, height } of VIEWS) {
      const view = `${colorScheme}, ${width} px`;
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      const { violations, passed, dark } = await page.evaluate(async (tags) => {
        const axe = (
          window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } }
        ).axe;
        const results = (await axe.run(document, { runOnly: { type: "tag", values: tags } })) as {
          violations: AxeViolation[];
          passes: Array<{ id: string }>;
        };
        return {
          violations: results.violations.map(({ id, impact, help, nodes }) => ({
            id,
            impact,
            help,
            nodes: nodes.map(({ target }) => ({ target })),
          })),
          passed: results.passes.map(({ id }) => id),
          dark: window.matchMedia("(prefers-color-scheme: dark)").matches,
        };
      }, AXE_TAGS);
      if (dark !== (colorScheme === "dark")) {
        found.push(`${state} (${view}): the page did not see the ${colorScheme} scheme`);
      }
      // A scan that checked no text against its background would pass a scheme it never saw.
      if (!passed.includes("color-contrast")) {
        found.push(`${state} (${view}): color-contrast checked no element`);
      }
      for (const violation of violations) {
        if (!FAILING_IMPACTS.has(violation.impact ?? "")) continue;
        const targets = violation.nodes.map(({ target }) => target.join(" ")).join(", ");
        found.push(
          `${state} (${view}): ${violation.id} [${violation.impact}] ${violation.help} — ${targets}`,
        );
      }
    }
    await page.emulateMedia({ colorScheme: "light" });
    if (restore) await page.setViewportSize(restore);
    return found;
  }

  /** Opens `path` and scans it once the page has stopped loading. */
  async function scanPage(page: Page, path: string, state = path): Promise<string[]> {
    await page.goto(url(path));
    await page.waitForLoadState("networkidle");
    return scan(page, state);
  }

  const hasText = (page: Page, selector: string) => async () =>
    ((await page.locator(selector).first().textContent()) ?? "").trim().length > 0;

  it("finds none on the public pages: landing, check-inbox, verify-email, forgot and reset password, 404", async () => {
    const page = await newVisitor("axe public pages");
    const found = [
      ...(await scanPage(page, "/", "landing")),
      ...(await scanPage(page, `/check-inbox/?email=${encodeURIComponent(frank.email)}`)),
      ...(await scanPage(page, "/forgot-password/")),
      ...(await scanPage(page, "/reset-password/?token=not-a-real-token")),
      ...(await scanPage(page, "/no-such-page/", "404")),
    ];
    await page.goto(url("/verify-email/?token=not-a-real-token"));
    await expect.poll(hasText(page, "#verify-error"), SLOW).toBe(true);
    found.push(...(await scan(page, "verify-email with a refused link")));
    expect(found).toEqual([]);
  });

  it("reports what it is shown, with rule, impact and element, in the scheme where it happens", async () => {
    const page = await newVisitor("axe sees a violation");
    await page.goto(url("/"));
    await page.evaluate(() => {
      const main = document.querySelector("main");
      const unnamed = document.createElement("button");
      unnamed.id = "unnamed-button";
      // Dark text: readable on the light background, not on the dark one.
      const faint = document.createElement("p");
      faint.id = "dark-on-dark";
      faint.textContent = "Only the dark scheme hides this";
      faint.style.color = "#222222";
      main?.append(unnamed, faint);
    });
    const found = await scan(page, "landing with two planted violations");
    expect(found).toContainEqual(
      expect.stringMatching(/button-name \[critical\].*#unnamed-button/),
    );
    const contrast = found.filter((line) => line.includes("#dark-on-dark"));
    expect(contrast).toEqual([
      expect.stringMatching(/\(dark, 1280 px\): color-contrast \[serious\]/),
      expect.stringMatching(/\(dark, 360 px\): color-contrast \[serious\]/),
    ]);
  });

  it("finds none on sign-in and sign-up, blank and with their errors shown", async () => {
    const page = await newVisitor("axe auth forms");
    const found = [...(await scanPage(page, "/sign-up/"))];
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.locator('[aria-invalid="true"]').count()).toBeGreaterThan(0);
    found.push(...(await scan(page, "sign-up with field errors")));

    found.push(...(await scanPage(page, "/sign-in/")));
    await page.getByLabel("E-mail").fill(`nobody-${run}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill("not the right passphrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator('[aria-invalid="true"]').count(), SLOW).toBeGreaterThan(0);
    found.push(...(await scan(page, "sign-in with a refused password")));
    expect(found).toEqual([]);
  });

  it("finds none on the tasks page empty, with eight tasks and while editing, nor on the account page", async () => {
    const page = await newVisitor("axe signed in");
    await site.signUp(page, frank);
    await expect.poll(() => page.locator("#task-list > li").count()).toBe(0);
    await page.waitForLoadState("networkidle");
    const found = [...(await scan(page, "tasks, empty"))];

    // Eight tasks through the API the page itself uses, one with a description and one done.
    await page.evaluate(async () => {
      const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      for (let index = 1; index <= 8; index += 1) {
        const body =
          index === 2
            ? { title: `Task ${index}`, description: "With a note" }
            : { title: `Task ${index}` };
        const created = await fetch("/api/tasks", {
          method: "POST",
          headers,
          body: JSON.stringify(body),
        });
        if (index === 3) {
          const { id } = (await created.json()) as { id: string };
          await fetch(`/api/tasks/${id}`, {
            method: "PATCH",
            headers,
            body: JSON.stringify({ completed: true }),
          });
        }
      }
    });
    await page.reload();
    await expect.poll(() => page.locator("#task-list > li").count(), SLOW).toBe(8);
    await page.waitForLoadState("networkidle");
    found.push(...(await scan(page, "tasks, eight")));

    await page.locator("#task-list > li").first().hover();
    await page.getByRole("button", { name: /^Edit/ }).first().click();
    await expect.poll(() => page.getByRole("button", { name: "Save" }).isVisible()).toBe(true);
    found.push(...(await scan(page, "tasks, editing")));

    found.push(...(await scanPage(page, "/account/")));
    expect(found).toEqual([]);
  });
});
