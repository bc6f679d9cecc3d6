/**
 * The site in real Chromium against the whole local stack (site + local API Gateway + the real
 * Lambda entries + PGlite): what an end user does, start to finish.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { expect, it, onTestFinished } from "vitest";
import { task as taskTable, user as userTable } from "../../functions/db/schema";
import { SITE_CONTENT_SECURITY_POLICY } from "../../infra/security-headers";
import { describeInChromium, useSiteHarness } from "./site-harness";

const run = randomUUID().slice(0, 8);
const alice = { email: `alice-${run}@example.com`, password: "correct horse battery staple" };
const bob = { email: `bob-${run}@example.com`, password: "another long passphrase" };

describeInChromium("the site in Chromium", () => {
  const site = useSiteHarness("site-e2e");
  const { newVisitor, violationsOf, url, signUp, signIn } = site;

  const taskItems = (page: Page) => page.locator("#task-list > li");
  const taskItem = (page: Page, title: string) =>
    page.locator("#task-list > li", {
      has: page.locator(".task-title", { hasText: new RegExp(`^${title}$`) }),
    });
  const titles = (page: Page) => page.locator("#task-list .task-title").allTextContents();

  async function addTask(page: Page, title: string, description?: string) {
    const created = page.waitForResponse(
      (response) => response.url().endsWith("/api/tasks") && response.request().method() === "POST",
    );
    await page.getByLabel("Title").first().fill(title);
    if (description) {
      await page.getByRole("button", { name: "Details" }).click();
      await page.getByLabel("Description (optional)").first().fill(description);
    }
    await page.getByRole("button", { name: "Add task" }).click();
    expect((await created).status()).toBe(201);
    await expect.poll(() => titles(page)).toContain(title);
  }

  it("keeps a user's tasks across reloads and sign-ins: create, complete, edit, delete", async () => {
    const page = await newVisitor("alice full journey");
    await page.goto(url("/"));
    await page.getByRole("link", { name: "Create a free account" }).click();
    await page.waitForURL(url("/sign-up/"));
    await signUp(page, alice);
    await expect.poll(() => page.locator("#list-state").textContent()).toContain("No tasks yet.");
    await expect.poll(() => page.locator("#signed-in-as").textContent()).toContain(alice.email);

    await addTask(page, "Buy milk");
    await addTask(page, "Write report", "First draft");
    await addTask(page, "Call Alice");
    expect(await titles(page)).toEqual(["Call Alice", "Write report", "Buy milk"]);

    const toggled = page.waitForResponse((r) => r.request().method() === "PATCH");
    await taskItem(page, "Buy milk").getByRole("checkbox").check();
    expect((await toggled).status()).toBe(200);
    await expect.poll(() => taskItem(page, "Buy milk").getAttribute("class")).toContain("done");

    await taskItem(page, "Write report").getByRole("button", { name: /^Edit/ }).click();
    const editor = page.locator("form.task-edit");
    await editor.getByLabel("Title").fill("Write the quarterly report");
    await editor.getByLabel("Description (optional)").fill("Due on Friday");
    const saved = page.waitForResponse((r) => r.request().method() === "PATCH");
    await editor.getByRole("button", { name: "Save" }).click();
    expect((await saved).status()).toBe(200);
    await expect.poll(() => titles(page)).toContain("Write the quarterly report");

    const deleted = page.waitForResponse((r) => r.request().method() === "DELETE");
    await taskItem(page, "Call Alice")
      .getByRole("button", { name: /^Delete/ })
      .click();
    await expect.poll(() => page.locator("#toast .toast-text").textContent()).toContain("Deleted");
    await expect.poll(() => titles(page)).not.toContain("Call Alice");
    expect((await deleted).status()).toBe(204);

    await page.reload();
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report", "Buy milk"]);
    await expect
      .poll(() =>
        taskItem(page, "Write the quarterly report").locator(".task-description").textContent(),
      )
      .toBe("Due on Friday");
    expect(await taskItem(page, "Buy milk").getByRole("checkbox").isChecked()).toBe(true);
    expect(
      await taskItem(page, "Write the quarterly report").getByRole("checkbox").isChecked(),
    ).toBe(false);

    await page.getByRole("radio", { name: "Done" }).check();
    await expect.poll(() => titles(page)).toEqual(["Buy milk"]);
    await page.getByRole("radio", { name: "Open" }).check();
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report"]);
    await page.getByRole("radio", { name: "All" }).check();
    await expect.poll(() => titles(page)).toHaveLength(2);

    await page.getByRole("link", { name: "Account" }).click();
    await page.waitForURL(url("/account/"));
    await expect.poll(() => page.locator("#account-email").textContent()).toBe(alice.email);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/\/sign-in\/\?reason=signed-out$/);
    await expect.poll(() => page.locator("#sign-in-notice").textContent()).toContain("signed out");

    await page.goto(url("/tasks/"));
    await page.waitForURL(/\/sign-in\//);

    await signIn(page, alice);
    await page.waitForURL(url("/tasks/"));
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report", "Buy milk"]);

    // A signed-in visitor on the landing page goes straight to the tasks.
    await page.goto(url("/"));
    await page.waitForURL(url("/tasks/"));
  });

  it("brings a deleted task back with undo, and an edit cancelled with Escape changes nothing", async () => {
    const page = await newVisitor("undo and escape");
    const deletes: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "DELETE") deletes.push(request.url());
    });
    await signIn(page, alice);
    await page.waitForURL(url("/tasks/"));
    await expect.poll(() => titles(page)).toHaveLength(2);

    await taskItem(page, "Buy milk")
      .getByRole("button", { name: /^Delete/ })
      .click();
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report"]);
    await page.getByRole("button", { name: /^Undo/ }).click();
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report", "Buy milk"]);
    expect(await page.locator("#toast").isVisible()).toBe(false);

    await taskItem(page, "Buy milk").getByRole("button", { name: /^Edit/ }).click();
    await page.locator("form.task-edit").getByLabel("Title").fill("Buy oat milk");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("form.task-edit").count()).toBe(0);
    expect(await titles(page)).toContain("Buy milk");
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute("data-action") ?? ""),
    ).toBe("edit");

    await page.reload();
    await expect.poll(() => titles(page)).toEqual(["Write the quarterly report", "Buy milk"]);
    expect(deletes).toEqual([]);
  });

  it("keeps a failed save in the form and explains that the service is unavailable", async () => {
    const page = await newVisitor("unavailable keeps form");
    await signIn(page, alice);
    await page.waitForURL(url("/tasks/"));
    await expect.poll(() => titles(page)).toHaveLength(2);

    await page.route("**/api/tasks", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "unavailable", message: "Service unavailable" } }),
      });
    });
    await page.getByLabel("Title").first().fill("Survives an outage");
    await page.getByRole("button", { name: "Details" }).click();
    await page.getByLabel("Description (optional)").first().fill("Still here");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect.poll(() => page.locator("#form-error").textContent()).toMatch(/try again/i);
    expect(await page.getByLabel("Title").first().inputValue()).toBe("Survives an outage");
    expect(await page.getByLabel("Description (optional)").first().inputValue()).toBe("Still here");
    expect(await titles(page)).not.toContain("Survives an outage");

    await page.unroute("**/api/tasks");
    await addTask(page, "Survives an outage");
    expect(await page.getByLabel("Title").first().inputValue()).toBe("");
  });

  it("shows a second user none of the first user's tasks", async () => {
    const alicePage = await newVisitor("isolation alice");
    await signIn(alicePage, alice);
    await alicePage.waitForURL(url("/tasks/"));
    await expect.poll(() => titles(alicePage)).toHaveLength(3);
    const aliceTaskId = await taskItems(alicePage).first().getAttribute("data-id");
    expect(aliceTaskId).toMatch(/^[0-9a-f-]{36}$/);

    const page = await newVisitor("isolation bob");
    await signUp(page, bob);
    await expect.poll(() => page.locator("#list-state").textContent()).toContain("No tasks yet.");
    expect(await taskItems(page).count()).toBe(0);

    // Even asking for Alice's task by id, with Bob's own valid token, finds nothing.
    const status = await page.evaluate(async (id) => {
      const tokenResponse = await fetch("/api/auth/token");
      const { token } = (await tokenResponse.json()) as { token: string };
      const response = await fetch(`/api/tasks/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status;
    }, aliceTaskId);
    expect(status).toBe(404);
  });

  it("loads older tasks page by page with the load more button", async () => {
    const page = await newVisitor("load more");
    await signIn(page, alice);
    await page.waitForURL(url("/tasks/"));
    await expect.poll(() => titles(page)).toHaveLength(3);
    const loadMore = page.getByRole("button", { name: "Load more" });
    expect(await loadMore.isVisible()).toBe(false);

    // Fill the list through the API with the page's own session, one request per task.
    await page.evaluate(async () => {
      const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
      for (let index = 1; index <= 22; index += 1) {
        await fetch("/api/tasks", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ title: `Bulk task ${index}` }),
        });
      }
    });
    await page.reload();
    await expect.poll(() => titles(page)).toHaveLength(20);
    expect((await titles(page))[0]).toBe("Bulk task 22");
    await loadMore.click();
    await expect.poll(() => titles(page)).toHaveLength(25);
    const all = await titles(page);
    expect(new Set(all).size).toBe(25);
    expect(all.at(-1)).toBe("Buy milk");
    await expect.poll(() => loadMore.isVisible()).toBe(false);
  });

  it("puts a wrong password next to its field, and answers a taken e-mail like a new one", async () => {
    const page = await newVisitor("auth errors");
    await signIn(page, { email: alice.email, password: "not the password" });
    const passwordError = page.locator("#password-error");
    await expect.poll(() => passwordError.textContent()).toContain("Wrong e-mail or password");
    expect(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe(
      "true",
    );
    expect(page.url()).toContain("/sign-in/");

    // Inline validation catches a short password before anything is sent.
    await page.goto(url("/sign-up/"));
    await page.getByLabel("E-mail").fill(`new-${run}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.locator("#password-error").textContent()).toContain("at least 8");

    // A taken address gets the same next page as a new one; only its owner hears of it.
    const before = await site.inbox(alice.email);
    await page.getByLabel("E-mail").fill(alice.email);
    await page.getByLabel("Password", { exact: true }).fill("a brand new passphrase here");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/check-inbox\//);
    await expect.poll(() => page.locator("#inbox-address").textContent()).toBe(alice.email);
    const notice = await site.waitForMail(alice.email, /tried to sign up/, {
      newerThan: before[0],
    });
    expect(notice.text).not.toContain("/verify-email");
  });

  it("lets a keyboard-only user sign in, create a task and complete it", async () => {
    const page = await newVisitor("keyboard only", { width: 360 });
    await page.goto(url("/sign-in/"));

    /** Presses Tab until the focused element matches; fails if it never does. */
    async function tabTo(describe: string, matches: () => Promise<boolean>) {
      for (let presses = 0; presses < 40; presses += 1) {
        await page.keyboard.press("Tab");
        if (await matches()) return;
      }
      throw new Error(`Tab never reached ${describe}`);
    }
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");

    await tabTo("the e-mail field", async () => (await focusedId()) === "email");
    await page.keyboard.type(bob.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(bob.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(url("/tasks/"));
    await expect.poll(() => page.locator("#list-state").textContent()).toContain("No tasks yet.");

    // The title field has the focus on arrival.
    await expect.poll(focusedId).toBe("new-title");
    await page.keyboard.type("Typed without a mouse");
    const created = page.waitForResponse((r) => r.request().method() === "POST");
    await page.keyboard.press("Enter");
    expect((await created).status()).toBe(201);
    await expect.poll(() => titles(page)).toEqual(["Typed without a mouse"]);
    expect(await focusedId()).toBe("new-title");

    await tabTo("the task's checkbox", async () =>
      page.evaluate(() => document.activeElement?.classList.contains("task-toggle") ?? false),
    );
    const completed = page.waitForResponse((r) => r.request().method() === "PATCH");
    await page.keyboard.press("Space");
    expect((await completed).status()).toBe(200);
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(["Typed without a mouse"]);
    expect(await taskItem(page, "Typed without a mouse").getByRole("checkbox").isChecked()).toBe(
      true,
    );
  });

  it("sends a visitor who never signed in from the tasks page to sign-in, asking to sign in", async () => {
    const page = await newVisitor("no session");
    await page.goto(url("/tasks/?filter=done"));
    await page.waitForURL(/\/sign-in\/\?next=%2Ftasks%2F%3Ffilter%3Ddone$/);
    await expect
      .poll(() => page.locator("#sign-in-notice").textContent())
      .toBe("Sign in to see your tasks.");
  });

  it("answers unknown pages with the 404 page", async () => {
    const page = await newVisitor("not found");
    const response = await page.goto(url("/no/such/page"));
    expect(response?.status()).toBe(404);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
  });

  it("serves pages and the 404 page with the security headers; the API answers no-store and nosniff", async () => {
    const page = await newVisitor("security headers");
    for (const [path, status] of [
      ["/sign-in/", 200],
      ["/no/such/page", 404],
    ] as const) {
      const response = await page.goto(url(path));
      expect(response?.status(), path).toBe(status);
      const headers = (await response?.allHeaders()) ?? {};
      expect(headers["content-security-policy"], path).toBe(SITE_CONTENT_SECURITY_POLICY);
      expect(headers["content-security-policy"], path).not.toContain("unsafe-inline");
      expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
      expect(headers["x-frame-options"], path).toBe("DENY");
      expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      expect(headers["x-content-type-options"], path).toBe("nosniff");
    }
    const api = await page.evaluate(async () => {
      const headersOf = async (path: string) => {
        const { status, headers } = await fetch(path);
        return {
          status,
          cache: headers.get("cache-control"),
          sniff: headers.get("x-content-type-options"),
          frame: headers.get("x-frame-options"),
        };
      };
      return [await headersOf("/api/auth/get-session"), await headersOf("/api/no-such-route")];
    });
    expect(api).toEqual([
      { status: 200, cache: "no-store", sniff: "nosniff", frame: "DENY" },
      { status: 404, cache: null, sniff: "nosniff", frame: "DENY" },
    ]);

    // The tracker is live: an inline script injected into the page is refused and reported.
    const ran = await page.evaluate(async () => {
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.inlineRan = 'yes'";
      document.head.append(script);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return document.body.dataset.inlineRan ?? "no";
    });
    expect(ran).toBe("no");
    await expect
      .poll(() => violationsOf(page).join("\n"))
      .toMatch(/script-src-elem refused inline/);
    // Expected and asserted above; the journey-wide check in afterEach looks for any other.
    violationsOf(page).splice(0);
  });

  it("cannot be framed by a page of another origin", async () => {
    const victim = url("/account/");
    const attacker = createServer((request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(
        request.url === "/own.html"
          ? '<p id="own">framed fine</p>'
          : `<iframe id="victim" src="${victim}"></iframe><iframe id="own" src="/own.html"></iframe>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    expect(new URL(attackerUrl).origin).not.toBe(new URL(victim).origin);

    const page = await newVisitor("framing");
    const fromVictim: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(site.stack.url)) fromVictim.push(request.url());
    });
    await page.goto(attackerUrl, { waitUntil: "load" });
    // Frames do load in this harness: the attacker's own page renders in its frame.
    expect(await page.frameLocator("#own").locator("#own").textContent()).toBe("framed fine");
    // Chromium refused the account page once its headers arrived: nothing of it ran or rendered.
    await expect
      .poll(() => violationsOf(page).join("\n"))
      .toMatch(/Framing '.+' violates .*"frame-ancestors 'none'"\. The request has been blocked/);
    expect(fromVictim).toEqual([victim]);
    expect(await page.frameLocator("#victim").locator("#account-email").count()).toBe(0);
    // Expected and asserted above; the journey-wide check in afterEach looks for any other.
    violationsOf(page).splice(0);
  });

  it("deletes an account with its tasks after a password check, then refuses its sign-in", async () => {
    const [bobRow] = await site.db.select().from(userTable).where(eq(userTable.email, bob.email));
    expect(bobRow).toBeDefined();
    const bobId = bobRow?.id ?? "";
    expect(await site.db.select().from(taskTable).where(eq(taskTable.userId, bobId))).toHaveLength(
      1,
    );

    const page = await newVisitor("delete account");
    await signIn(page, bob);
    await page.waitForURL(url("/tasks/"));
    await page.goto(url("/account/"));
    await page.getByRole("button", { name: "Delete my account…" }).click();
    const confirm = page.getByLabel("Confirm with your password");
    await confirm.fill("definitely wrong");
    await page.getByRole("button", { name: "Delete account and all tasks" }).click();
    await expect
      .poll(() => page.locator("#delete-password-error").textContent(), { timeout: 10_000 })
      .toContain("not correct");
    expect(await site.db.select().from(userTable).where(eq(userTable.id, bobId))).toHaveLength(1);

    await confirm.fill(bob.password);
    await page.getByRole("button", { name: "Delete account and all tasks" }).click();
    await page.waitForURL(url("/"));
    await expect
      .poll(() => page.locator("#landing-notice").textContent())
      .toContain("account and all of its tasks were deleted");

    expect(await site.db.select().from(userTable).where(eq(userTable.id, bobId))).toHaveLength(0);
    expect(await site.db.select().from(taskTable).where(eq(taskTable.userId, bobId))).toHaveLength(
      0,
    );

    await signIn(page, bob);
    await expect
      .poll(() => page.locator("#password-error").textContent())
      .toContain("Wrong e-mail or password");
    // Alice is untouched.
    const [aliceRow] = await site.db
      .select()
      .from(userTable)
      .where(eq(userTable.email, alice.email));
    expect(aliceRow).toBeDefined();
  });

  it("tells a visitor who keeps guessing passwords to wait", async () => {
    const page = await newVisitor("rate limited");
    await page.goto(url("/sign-in/"));
    await page.getByLabel("E-mail").fill(alice.email);
    const formError = page.locator("#form-error");
    // The sign-in limit is 10 per minute per address; the count may restart once mid-loop.
    for (let attempt = 0; attempt < 25; attempt += 1) {
      await page.getByLabel("Password", { exact: true }).fill(`wrong guess ${attempt}`);
      const answered = page.waitForResponse((r) => r.url().includes("/sign-in/email"));
      await page.getByRole("button", { name: "Sign in" }).click();
      if ((await answered).status() === 429) break;
    }
    await expect.poll(() => formError.textContent()).toMatch(/Too many attempts\. Wait \d+ second/);
  });
});
