/**
 * The tasks page as a product, in real Chromium against the whole local stack: the list comes
 * first, no delete is ever lost or doubled, and each kind of trouble has its own words.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Page, Request } from "playwright-core";
import { expect, it } from "vitest";
import {
  session as sessionTable,
  task as taskTable,
  user as userTable,
} from "../../functions/db/schema";
import { describeInChromium, useSiteHarness, type Visitor } from "./site-harness";

const run = randomUUID().slice(0, 8);
const EIGHT = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight"];

describeInChromium("the tasks page in Chromium", () => {
  // Every test signs up its own user from the same address: the per-address limits have their own tests.
  const site = useSiteHarness("tasks-list-e2e", { rateLimit: false });
  const { newVisitor, url, signUp } = site;

  const titles = (page: Page) => page.locator("#task-list .task-title").allTextContents();
  const row = (page: Page, title: string) =>
    page.locator("#task-list > li", {
      has: page.locator(".task-title", { hasText: new RegExp(`^${title}$`) }),
    });

  let users = 0;
  /** A new verified user on its tasks page, with `titles` created oldest first. */
  async function userWithTasks(
    page: Page,
    taskTitles: readonly string[],
    done: readonly string[] = [],
  ): Promise<Visitor & { id: string }> {
    users += 1;
    const who = { email: `list-${users}-${run}@example.com`, password: "a fine long passphrase" };
    await signUp(page, who);
    await page.evaluate(
      async ({ taskTitles, done }) => {
        const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
        const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
        for (const title of taskTitles) {
          const response = await fetch("/api/tasks", {
            method: "POST",
            headers,
            body: JSON.stringify({ title }),
          });
          const { id } = (await response.json()) as { id: string };
          if (done.includes(title)) {
            await fetch(`/api/tasks/${id}`, {
              method: "PATCH",
              headers,
              body: JSON.stringify({ completed: true }),
            });
          }
        }
      },
      { taskTitles, done },
    );
    const [row] = await site.db.select().from(userTable).where(eq(userTable.email, who.email));
    return { ...who, id: row?.id ?? "" };
  }

  async function openList(page: Page, path = "/tasks/", count = EIGHT.length) {
    await page.goto(url(path));
    await expect.poll(() => titles(page)).toHaveLength(count);
  }

  /** How many rows lie entirely inside the viewport. */
  const fullyVisibleRows = (page: Page) =>
    page.locator("#task-list > li").evaluateAll(
      (items) =>
        items.filter((item) => {
          const box = item.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }).length,
    );

  const opacityOf = (page: Page, title: string) =>
    row(page, title)
      .locator(".task-actions")
      .evaluate((actions) => getComputedStyle(actions).opacity);

  const countLabels = (page: Page) =>
    page
      .locator(".filter label")
      .evaluateAll((labels) =>
        labels.map((label) => label.textContent?.replace(/\s+/g, " ").trim()),
      );

  it("shows the list first: six of eight rows at 1280×800, the title focused, quiet actions", async () => {
    const page = await newVisitor("list first desktop", { width: 1280, height: 800 });
    await userWithTasks(page, EIGHT);
    await openList(page);

    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Your tasks");
    expect(await page.locator("#task-list").getAttribute("aria-labelledby")).toBe("list-heading");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("new-title");
    expect(await fullyVisibleRows(page)).toBeGreaterThanOrEqual(6);
    // One line to add; the description only when asked for.
    expect(await page.getByLabel("Description (optional)").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Details" }).click();
    expect(await page.getByLabel("Description (optional)").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Details" }).getAttribute("aria-expanded")).toBe(
      "true",
    );
    await page.getByRole("button", { name: "Details" }).click();

    // Edit and Delete wait for the row's hover or keyboard focus.
    await page.mouse.move(1, 1);
    expect(await opacityOf(page, "Four")).toBe("0");
    await row(page, "Four").hover();
    expect(await opacityOf(page, "Four")).toBe("1");
    await page.mouse.move(1, 1);
    await row(page, "Four").getByRole("checkbox").focus();
    await page.keyboard.press("Tab");
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute("data-action") ?? ""),
    ).toBe("edit");
    expect(await opacityOf(page, "Four")).toBe("1");
    expect(await opacityOf(page, "Five")).toBe("0");
  });

  it("fits three of eight rows on a 360×740 phone, with thumb-sized checkboxes and visible actions", async () => {
    const page = await newVisitor("list first phone", { width: 360, height: 740, touch: true });
    await userWithTasks(page, EIGHT);
    await openList(page);

    expect(await fullyVisibleRows(page)).toBeGreaterThanOrEqual(3);
    const box = await row(page, "Eight").getByRole("checkbox").boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(44);
    expect(box?.height).toBeGreaterThanOrEqual(44);
    // Nothing to hover on a touch screen: the actions are always there, and thumb-sized too.
    expect(await opacityOf(page, "Eight")).toBe("1");
    const remove = await row(page, "Eight")
      .getByRole("button", { name: /^Delete/ })
      .boundingBox();
    expect(remove?.height).toBeGreaterThanOrEqual(44);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(360);
  });

  it("dates rows in relative words, with the full date on hover, only where the date changes", async () => {
    const page = await newVisitor("relative dates");
    const rows = ["Last year", "In March", "Yesterday", "This morning", "Five minutes", "New"];
    const who = await userWithTasks(page, rows);
    // The page's clock is fixed at a Monday noon; the rows' dates are set around it.
    const noon = new Date(2026, 5, 15, 12, 0);
    const before = (ms: number) => new Date(noon.getTime() - ms);
    const dates: Record<string, Date> = {
      New: before(10_000),
      "Five minutes": before(5 * 60_000 + 10_000),
      "This morning": new Date(2026, 5, 15, 9, 32),
      Yesterday: new Date(2026, 5, 14, 18, 5),
      "In March": new Date(2026, 2, 2, 8, 0),
      "Last year": new Date(2025, 10, 28, 9, 30),
    };
    for (const [title, createdAt] of Object.entries(dates)) {
      await site.db
        .update(taskTable)
        .set({ createdAt })
        .where(and(eq(taskTable.userId, who.id), eq(taskTable.title, title)));
    }
    await page.clock.setFixedTime(noon);
    await openList(page, "/tasks/", rows.length);

    const dateOf = (title: string) =>
      row(page, title)
        .locator("time")
        .evaluate((time: HTMLTimeElement) => ({
          label: time.textContent,
          shown: getComputedStyle(time).visibility === "visible",
          datetime: time.dateTime,
          title: time.title,
        }));
    expect(await titles(page)).toEqual([...rows].reverse());
    const labels = await Promise.all([...rows].reverse().map(async (title) => dateOf(title)));
    expect(labels.map(({ label }) => label)).toEqual([
      "just now",
      "5 min ago",
      "today 9:32 AM",
      "yesterday 6:05 PM",
      "Mar 2",
      "Nov 28, 2025",
    ]);
    expect(labels.every(({ shown }) => shown)).toBe(true);
    const lastYear = await dateOf("Last year");
    expect(new Date(lastYear.datetime).getTime()).toBe(dates["Last year"]?.getTime());
    expect(lastYear.title).toBe("Added Friday, November 28, 2025 at 9:30 AM");

    // Tasks added together do not each repeat "just now": only the first of a run says it.
    await page.getByLabel("Title").first().fill("Another new one");
    await page.keyboard.press("Enter");
    await expect.poll(() => titles(page)).toContain("Another new one");
    expect(await dateOf("Another new one")).toMatchObject({ label: "just now", shown: true });
    expect(await dateOf("New")).toMatchObject({ label: "just now", shown: false });
    expect(await dateOf("Five minutes")).toMatchObject({ label: "5 min ago", shown: true });
  });

  it("keeps the filter in the address with counts: reload, back and forward", async () => {
    const page = await newVisitor("filter in url");
    await userWithTasks(page, EIGHT, ["Two", "Four", "Six"]);
    await openList(page);
    await expect.poll(() => countLabels(page)).toEqual(["All 8", "Open 5", "Done 3"]);

    await page.getByRole("radio", { name: /^Done/ }).check();
    await expect.poll(() => titles(page)).toEqual(["Six", "Four", "Two"]);
    expect(new URL(page.url()).search).toBe("?filter=done");
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(["Six", "Four", "Two"]);
    expect(await page.getByRole("radio", { name: /^Done/ }).isChecked()).toBe(true);
    await expect.poll(() => countLabels(page)).toEqual(["All 8", "Open 5", "Done 3"]);

    await page.getByRole("radio", { name: /^Open/ }).check();
    await expect.poll(() => titles(page)).toHaveLength(5);
    expect(new URL(page.url()).search).toBe("?filter=open");
    // Ticking one off moves it between the counts (and out of this list).
    await row(page, "Eight").getByRole("checkbox").click();
    await expect.poll(() => titles(page)).toHaveLength(4);
    await expect.poll(() => countLabels(page)).toEqual(["All 8", "Open 4", "Done 4"]);

    await page.goBack();
    await expect.poll(() => new URL(page.url()).search).toBe("?filter=done");
    await expect.poll(() => titles(page)).toEqual(["Eight", "Six", "Four", "Two"]);
    expect(await page.getByRole("radio", { name: /^Done/ }).isChecked()).toBe(true);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).search).toBe("");
    await expect.poll(() => titles(page)).toHaveLength(8);
    expect(await page.getByRole("radio", { name: /^All/ }).isChecked()).toBe(true);
    await page.goForward();
    await expect.poll(() => titles(page)).toEqual(["Eight", "Six", "Four", "Two"]);
  });

  /** Every DELETE the page sends, by task title (read from the list before the test deletes). */
  function recordDeletes(page: Page, ids: Map<string, string>): string[] {
    const sent: string[] = [];
    page.on("request", (request: Request) => {
      if (request.method() !== "DELETE") return;
      const id = new URL(request.url()).pathname.split("/").at(-1) ?? "";
      sent.push(ids.get(id) ?? id);
    });
    return sent;
  }

  async function idsByTitle(page: Page): Promise<Map<string, string>> {
    const rows = await page
      .locator("#task-list > li")
      .evaluateAll((items) =>
        items.map((item) => [
          item.getAttribute("data-id") ?? "",
          item.querySelector(".task-title")?.textContent ?? "",
        ]),
      );
    return new Map(rows as Array<[string, string]>);
  }

  const titlesInDatabase = async (userId: string) =>
    (await site.db.select().from(taskTable).where(eq(taskTable.userId, userId)))
      .map((task) => task.title)
      .sort();

  it("deletes one task on a double-click of Delete, and a pending delete survives a reload", async () => {
    const page = await newVisitor("double-click delete");
    const who = await userWithTasks(page, EIGHT);
    await openList(page);
    const sent = recordDeletes(page, await idsByTitle(page));

    // A real double-click at one spot: the row below slides under the second click.
    await row(page, "Eight").hover();
    const box = await row(page, "Eight")
      .getByRole("button", { name: /^Delete/ })
      .boundingBox();
    if (!box) throw new Error("no Delete button");
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => titles(page)).toEqual(EIGHT.slice(0, 7).reverse());
    expect(await page.locator("#toast .toast-entry").count()).toBe(1);

    // Playwright's own double-click, on a row elsewhere in the list: still one.
    await row(page, "Three")
      .getByRole("button", { name: /^Delete/ })
      .dblclick();
    const left = ["Seven", "Six", "Five", "Four", "Two", "One"];
    await expect.poll(() => titles(page)).toEqual(left);
    expect(await page.locator("#toast .toast-entry").count()).toBe(2);
    expect(sent).toEqual([]);

    // Reloading inside the undo window sends both, and the next page never shows them.
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(left);
    await expect.poll(() => titlesInDatabase(who.id)).toEqual([...left].sort());
    // The unloading page's keepalive requests and the next page's repeats: only these two tasks.
    expect([...new Set(sent)].sort()).toEqual(["Eight", "Three"]);
  });

  it("offers an undo for each of three deletes in a row, each putting its own task back", async () => {
    const page = await newVisitor("three deletes");
    const who = await userWithTasks(page, EIGHT);
    await openList(page);
    const sent = recordDeletes(page, await idsByTitle(page));
    const before = await titles(page);

    for (const title of ["Seven", "Five", "Two"]) {
      await row(page, title)
        .getByRole("button", { name: /^Delete/ })
        .click();
      await expect.poll(() => titles(page)).not.toContain(title);
    }
    expect(await titles(page)).toEqual(["Eight", "Six", "Four", "Three", "One"]);
    await expect.poll(() => countLabels(page)).toEqual(["All 5", "Open 5", "Done 0"]);
    const offers = page.locator("#toast .toast-entry");
    expect(await offers.allTextContents()).toEqual([
      "Deleted “Seven”.Undo",
      "Deleted “Five”.Undo",
      "Deleted “Two”.Undo",
    ]);

    await page.getByRole("button", { name: "Undo deleting “Five”" }).click();
    await expect.poll(() => titles(page)).toEqual(["Eight", "Six", "Five", "Four", "Three", "One"]);
    expect(await offers.count()).toBe(2);
    expect(await page.evaluate(() => document.activeElement?.closest("li")?.textContent)).toContain(
      "Five",
    );
    await page.getByRole("button", { name: "Undo deleting “Two”" }).click();
    await page.getByRole("button", { name: "Undo deleting “Seven”" }).click();
    await expect.poll(() => titles(page)).toEqual(before);
    expect(await page.locator("#toast").isVisible()).toBe(false);
    await expect.poll(() => countLabels(page)).toEqual(["All 8", "Open 8", "Done 0"]);

    await page.reload();
    await expect.poll(() => titles(page)).toEqual(before);
    expect(sent).toEqual([]);
    expect(await titlesInDatabase(who.id)).toEqual([...EIGHT].sort());
  });

  it("tells a network failure from server trouble, and clears an error with the next success", async () => {
    const page = await newVisitor("trouble words");
    await userWithTasks(page, ["Existing"]);

    await page.route("**/api/tasks?*", (route) => route.abort("internetdisconnected"));
    await page.goto(url("/tasks/"));
    await expect
      .poll(() => page.locator("#list-state").textContent())
      .toContain("could not be reached. Check your connection");
    await page.unroute("**/api/tasks?*");

    await page.route("**/api/tasks?*", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: '{"message":"x"}' }),
    );
    await page.getByRole("button", { name: "Try again" }).click();
    await expect
      .poll(() => page.locator("#list-state").textContent())
      .toContain("The service is having trouble right now");
    expect(await page.locator("#list-state").textContent()).not.toContain("connection");
    await page.unroute("**/api/tasks?*");
    await page.getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => titles(page)).toEqual(["Existing"]);

    // The add form: a network failure, then a 503, then a success that clears the box.
    await page.route("**/api/tasks", (route) => route.abort("internetdisconnected"));
    await page.getByLabel("Title").first().fill("Kept through trouble");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator("#form-error").textContent())
      .toContain("Check your connection");
    await page.unroute("**/api/tasks");
    await page.route("**/api/tasks", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: '{"message":"x"}' }),
    );
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#form-error").textContent()).toContain("unavailable");
    expect(await page.locator(".form-error:not(:empty)").count()).toBe(1);
    await page.unroute("**/api/tasks");
    await page.keyboard.press("Enter");
    await expect.poll(() => titles(page)).toEqual(["Kept through trouble", "Existing"]);
    expect(await page.locator("#form-error").textContent()).toBe("");
    expect(await page.locator(".form-error:not(:empty)").count()).toBe(0);
  });

  it("disables the add button after a 429 and counts down from Retry-After", async () => {
    const page = await newVisitor("rate limited add");
    await userWithTasks(page, []);
    await page.goto(url("/tasks/"));
    await expect.poll(() => page.locator("#list-state").textContent()).toContain("No tasks yet");

    let refused = 0;
    await page.route("**/api/tasks", async (route) => {
      if (route.request().method() !== "POST" || refused > 0) return route.fallback();
      refused += 1;
      await route.fulfill({
        status: 429,
        headers: { "retry-after": "3" },
        contentType: "application/json",
        body: '{"message":"Too Many Requests"}',
      });
    });
    const add = page.locator("#add-task");
    await page.getByLabel("Title").first().fill("Not too fast");
    await page.keyboard.press("Enter");
    await expect.poll(() => add.textContent()).toMatch(/^Wait [1-3] s$/);
    expect(await add.isDisabled()).toBe(true);
    expect(await page.locator("#form-error").textContent()).toMatch(
      /You can add again in [1-3] seconds?/,
    );
    // Enter does nothing while the button waits.
    await page.keyboard.press("Enter");
    expect(refused).toBe(1);

    await expect.poll(() => add.isDisabled(), { timeout: 10_000 }).toBe(false);
    expect(await add.textContent()).toBe("Add task");
    expect(await page.locator("#form-error").textContent()).toBe("");
    await page.keyboard.press("Enter");
    await expect.poll(() => titles(page)).toEqual(["Not too fast"]);
  });

  it("says the session ended when it did, and signs in back to the page asked for", async () => {
    const page = await newVisitor("session ended");
    const who = await userWithTasks(page, ["Before"]);
    await openList(page, "/tasks/?filter=open", 1);

    await site.db.delete(sessionTable).where(eq(sessionTable.userId, who.id));
    await page.getByLabel("Title").first().fill("After the session");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/sign-in\/\?reason=session-ended&next=%2Ftasks%2F%3Ffilter%3Dopen$/);
    await expect
      .poll(() => page.locator("#sign-in-notice").textContent())
      .toContain("Your session has ended");
  });
});
