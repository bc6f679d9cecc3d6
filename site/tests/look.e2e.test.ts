/**
 * The site's look and its words in real Chromium through the local stack: where sign-in sends a
 * visitor and what it tells them, network and server trouble on the auth forms, the 429
 * countdown, "sign in instead" as a link, touch targets on a phone, both colour schemes, the
 * landing page and the account page's quiet danger zone.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { describeInChromium, useSiteHarness, type Visitor } from "./site-harness";

const run = randomUUID().slice(0, 8);
const person = (name: string, password: string): Visitor => ({
  email: `${name}-${run}@example.com`,
  password,
});
const fern = person("fern", "saddle comet pillow garnet");
const gus = person("gus", "mosaic thunder ladle pebble");
/** Answers from the server (scrypt on a shared machine) can take a few seconds. */
const SLOW = { timeout: 15_000 };
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

describeInChromium("the site's look and words in Chromium", () => {
  // Without verification sign-up signs in at once, and a taken address is answered as taken.
  // Rate limits stay on for the 429 test, which runs last: the others sign in only a few times.
  const site = useSiteHarness("look-e2e", { emailVerification: false });
  const { newVisitor, url } = site;

  const textOf = (page: Page, selector: string) => () => page.locator(selector).textContent();

  async function signUpAndIn(page: Page, who: Visitor): Promise<void> {
    await page.goto(url("/sign-up/"));
    await page.getByLabel("E-mail").fill(who.email);
    await page.getByLabel("Password", { exact: true }).fill(who.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(url("/tasks/"), SLOW);
  }

  async function fillSignIn(page: Page, who: Visitor): Promise<void> {
    await page.getByLabel("E-mail").fill(who.email);
    await page.getByLabel("Password", { exact: true }).fill(who.password);
  }

  it("links 'sign in instead' from the taken-address error to sign-in with the address filled in", async () => {
    const first = await newVisitor("taken address owner");
    await signUpAndIn(first, fern);

    const page = await newVisitor("taken address");
    await page.goto(url("/sign-up/"));
    await page.getByLabel("E-mail").fill(fern.email);
    await page.getByLabel("Password", { exact: true }).fill("another long passphrase here");
    await page.getByRole("button", { name: "Create account" }).click();
    const error = page.locator("#email-error");
    await expect.poll(() => error.textContent(), SLOW).toContain("already exists");
    const instead = error.getByRole("link", { name: "sign in instead" });
    await instead.click();
    await page.waitForURL(/\/sign-in\/\?email=/);
    expect(await page.getByLabel("E-mail").inputValue()).toBe(fern.email);
  });

  it("asks a visitor who never signed in to sign in to manage the account, then returns to /account", async () => {
    const page = await newVisitor("account signed out");
    await page.goto(url("/account/"));
    await page.waitForURL(url("/sign-in/?next=%2Faccount%2F"), SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toBe("Sign in to manage your account.");
    expect(await page.locator("#sign-in-notice").textContent()).not.toContain("tasks");

    await fillSignIn(page, fern);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(url("/account/"), SLOW);
    await expect.poll(textOf(page, "#account-email"), SLOW).toBe(fern.email);

    // The session ends while the browser remembers it had one: the words say so.
    await page.context().clearCookies();
    await page.goto(url("/account/"));
    await page.waitForURL(url("/sign-in/?reason=session-ended&next=%2Faccount%2F"), SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toContain("Your session has ended");

    // A deliberate sign-out is not a lost session.
    await fillSignIn(page, fern);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(url("/account/"), SLOW);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(url("/sign-in/?reason=signed-out"), SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toBe("You are signed out.");
    await page.goto(url("/account/"));
    await page.waitForURL(url("/sign-in/?next=%2Faccount%2F"), SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toBe("Sign in to manage your account.");
  });

  it("follows next only to a path on this site, and to the tasks otherwise", async () => {
    const page = await newVisitor("next parameter");
    await signUpAndIn(page, gus);
    // A signed-in visitor on the sign-in page goes straight on, through the same check.
    await page.goto(url(`/sign-in/?next=${encodeURIComponent("/account/?tab=1#top")}`));
    await page.waitForURL(url("/account/?tab=1#top"), SLOW);
    const refused = [
      "//evil.example/steal",
      "https://evil.example/",
      "https:evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "evil.example",
      "/sign-in/",
    ];
    for (const next of refused) {
      await page.goto(url(`/sign-in/?next=${encodeURIComponent(next)}`));
      await page.waitForURL(url("/tasks/"), SLOW);
      expect(new URL(page.url()).origin, next).toBe(site.stack.url);
    }
  });

  it("tells a server that cannot be reached from one that fails, and clears the error on the next success", async () => {
    const page = await newVisitor("network and server trouble");
    await page.goto(url("/sign-in/"));
    await fillSignIn(page, gus);
    const formError = page.locator("#form-error");
    const submit = page.getByRole("button", { name: "Sign in" });

    await page.route("**/api/auth/sign-in/email", (route) => route.abort("connectionrefused"));
    await submit.click();
    await expect
      .poll(() => formError.textContent())
      .toBe("Can't reach the server — check your connection.");
    await page.unroute("**/api/auth/sign-in/email");

    await page.route("**/api/auth/sign-in/email", (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ message: "Service Unavailable" }),
      }),
    );
    await submit.click();
    await expect
      .poll(() => formError.textContent())
      .toBe("Something went wrong on our side; try again in a moment.");
    await page.unroute("**/api/auth/sign-in/email");

    // On the account page a form stays in place after it succeeds: its error box is gone.
    await submit.click();
    await page.waitForURL(url("/tasks/"), SLOW);
    await page.goto(url("/account/"));
    await page.locator("#account-details").waitFor(SLOW);
    const emailError = page.locator("#email-form-error");
    await page.route("**/api/auth/change-email", (route) => route.abort("internetdisconnected"));
    await page.getByLabel("New e-mail address").fill(`gus-new-${run}@example.com`);
    await page.getByRole("button", { name: "Send the confirmation link" }).click();
    await expect.poll(() => emailError.textContent()).toContain("Can't reach the server");
    await page.unroute("**/api/auth/change-email");
    await page.getByLabel("New e-mail address").fill(`gus-new-${run}@example.com`);
    await page.getByRole("button", { name: "Send the confirmation link" }).click();
    await expect.poll(textOf(page, "#email-notice"), SLOW).toContain("We sent a link");
    expect(await emailError.textContent()).toBe("");
    expect(await emailError.isVisible()).toBe(false);
  });

  it("keeps every touch target at least 44 px on a 360 × 740 phone", async () => {
    const page = await newVisitor("touch targets", { width: PHONE.width });
    await page.setViewportSize(PHONE);
    const tooSmall: string[] = [];
    async function measure(path: string, ready: () => Promise<unknown>): Promise<void> {
      await page.goto(url(path));
      await ready();
      const targets = page.locator(
        "header a, header button, main a, main button, main label.checkbox, footer a",
      );
      for (const target of await targets.all()) {
        if (!(await target.isVisible())) continue;
        const box = await target.boundingBox();
        if (!box || box.height < 44 || box.width < 44) {
          const name = (await target.textContent())?.trim();
          tooSmall.push(`${path} "${name}": ${box?.width.toFixed(0)}×${box?.height.toFixed(0)}`);
        }
      }
    }
    await measure("/", () => page.locator(".preview").waitFor());
    await measure("/sign-up/", () => page.locator("#sign-up-form").waitFor());
    await measure("/forgot-password/", () => page.locator("#forgot-form").waitFor());
    await measure("/check-inbox/?email=x%40example.com", () =>
      page.locator("#resend-form").waitFor(),
    );
    await signUpAndIn(page, person("hal", "ribbon falcon marble tundra"));
    await measure("/account/", () => page.locator("#session-list li").first().waitFor(SLOW));
    await page.context().clearCookies();
    await measure("/sign-in/", () => page.locator("#sign-in-form").waitFor());
    expect(tooSmall).toEqual([]);

    // The label is the checkbox's target: a tap anywhere on it toggles the box.
    const showPassword = page.getByLabel("Show password");
    await page.locator("label.show-password").click({ position: { x: 40, y: 4 } });
    expect(await showPassword.isChecked()).toBe(true);
  });

  it("lays out the landing page as a product: the list, three points, equal hero buttons on a phone", async () => {
    const page = await newVisitor("landing desktop");
    await page.setViewportSize(DESKTOP);
    await page.goto(url("/"));
    const preview = page.locator(".preview");
    expect(await preview.locator(".preview-list li").count()).toBe(5);
    const features = page.locator(".features h3");
    expect(await features.allTextContents()).toEqual([
      "Verified sign-up",
      "Short-lived tokens",
      "Your own tasks",
    ]);
    // No empty lower half: the feature points start inside the first screen.
    const firstFeature = await features.first().boundingBox();
    expect(firstFeature?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(DESKTOP.height);

    // The footer says what the site is built on, not the hero again.
    const footer = page.locator("footer");
    expect(await footer.textContent()).toMatch(/Tasks v\d+\.\d+\.\d+/);
    expect(await footer.textContent()).not.toContain("private");
    expect(await footer.getByRole("link", { name: /API docs/ }).getAttribute("href")).toBe(
      "/api/openapi.json",
    );

    const phone = await newVisitor("landing phone", { width: PHONE.width });
    await phone.setViewportSize(PHONE);
    await phone.goto(url("/"));
    const buttons = phone.locator(".hero-actions .button");
    const boxes = await Promise.all((await buttons.all()).map((button) => button.boundingBox()));
    const column = await phone.locator(".hero-text").boundingBox();
    expect(boxes).toHaveLength(2);
    for (const box of boxes) {
      expect(box?.x).toBeCloseTo(column?.x ?? -1, 0);
      expect(box?.width).toBeCloseTo(column?.width ?? -1, 0);
    }
  });

  it("marks the current page in an underline-free navigation", async () => {
    const page = await newVisitor("navigation");
    await page.goto(url("/sign-in/"));
    const nav = page.getByRole("navigation", { name: "Main" });
    const current = nav.locator('a[aria-current="page"]');
    expect((await current.allTextContents()).map((text) => text.trim())).toEqual(["Sign in"]);
    const decorations = await nav
      .locator("a")
      .evaluateAll((links) => links.map((link) => getComputedStyle(link).textDecorationLine));
    expect(decorations).toEqual(["none", "none"]);
    const [currentColour, otherColour] = await nav
      .locator("a")
      .evaluateAll((links) => links.map((link) => getComputedStyle(link).color));
    expect(currentColour).not.toBe(otherColour);
    await nav.getByRole("link", { name: "Create account" }).hover();
    expect(
      await nav
        .getByRole("link", { name: "Create account" })
        .evaluate((link) => getComputedStyle(link).backgroundColor),
    ).not.toBe("rgba(0, 0, 0, 0)");
  });

  it("draws both schemes: the logo follows the accent, deletion is quiet until its deep-red last step", async () => {
    const colours: Record<string, Record<string, string>> = {};
    for (const scheme of ["light", "dark"] as const) {
      const page = await newVisitor(`scheme ${scheme}`, { colorScheme: scheme });
      await page.goto(url("/sign-in/"));
      await fillSignIn(page, fern);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(url("/tasks/"), SLOW);
      await page.goto(url("/account/"));
      await page.locator("#account-details").waitFor(SLOW);

      const style = (selector: string, property: string) =>
        page
          .locator(selector)
          .first()
          .evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);
      const accent = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--accent").trim(),
      );
      colours[scheme] = {
        accent,
        logo: await style(".logo-tile", "fill"),
        page: await style("body", "background-color"),
        start: await style("#delete-start", "background-color"),
      };
      // The quiet entry: outlined, never filled, and below sign-out and the devices.
      expect(colours[scheme]?.start).toBe("rgba(0, 0, 0, 0)");
      const zone = page.getByRole("region", { name: "Danger zone" });
      const deleteStart = zone.getByRole("button", { name: "Delete my account…" });
      const signOut = await page
        .getByRole("button", { name: "Sign out", exact: true })
        .boundingBox();
      const devices = await page.locator("#revoke-others").boundingBox();
      const start = await deleteStart.boundingBox();
      expect(start?.y).toBeGreaterThan(signOut?.y ?? Number.POSITIVE_INFINITY);
      expect(start?.y).toBeGreaterThan(devices?.y ?? Number.POSITIVE_INFINITY);

      await deleteStart.click();
      const confirm = page.getByRole("button", { name: "Delete account and all tasks" });
      colours[scheme] = {
        ...colours[scheme],
        confirm: await confirm.evaluate((button) => getComputedStyle(button).backgroundColor),
        confirmText: await confirm.evaluate((button) => getComputedStyle(button).color),
      };
    }
    const { light, dark } = colours as Record<"light" | "dark", Record<string, string>>;
    expect(light.page).not.toBe(dark.page);
    expect(light.accent).not.toBe(dark.accent);
    // The mark is drawn in each scheme's accent (#1f4fd1 / #8cb2ff).
    expect(light.logo).toBe("rgb(31, 79, 209)");
    expect(dark.logo).toBe("rgb(140, 178, 255)");
    // The last step is filled deep red with white text in both schemes, never a pale salmon.
    expect(light.confirm).toBe("rgb(180, 35, 24)");
    expect(dark.confirm).toBe("rgb(179, 38, 30)");
    expect(light.confirmText).toBe("rgb(255, 255, 255)");
    expect(dark.confirmText).toBe("rgb(255, 255, 255)");
  });

  it("disables the submit button after a 429 and counts down from Retry-After", async () => {
    const page = await newVisitor("retry after");
    await page.goto(url("/sign-in/"));
    const submit = page.locator("#sign-in-form button[type=submit]");
    const seconds = async () => Number((await submit.textContent())?.match(/wait (\d+) s/)?.[1]);

    // A short wait the test can see through to the end.
    await page.route("**/api/auth/sign-in/email", (route) =>
      route.fulfill({
        status: 429,
        headers: { "x-retry-after": "2" },
        contentType: "application/json",
        body: JSON.stringify({ message: "Too many requests. Please try again later." }),
      }),
    );
    await fillSignIn(page, { email: `nobody-${run}@example.com`, password: "not the password" });
    await submit.click();
    await expect.poll(() => page.locator("#form-error").textContent()).toContain("Wait 2 seconds");
    expect(await submit.isDisabled()).toBe(true);
    expect(await seconds()).toBeGreaterThan(0);
    await expect.poll(() => submit.isEnabled(), { timeout: 10_000 }).toBe(true);
    expect(await submit.textContent()).toBe("Sign in");
    await page.unroute("**/api/auth/sign-in/email");

    // The real limiter (10 sign-ins a minute per address): its own Retry-After, counting down.
    for (let attempt = 0; attempt < 25; attempt += 1) {
      await page.getByLabel("Password", { exact: true }).fill(`wrong guess ${attempt}`);
      const answered = page.waitForResponse((r) => r.url().includes("/sign-in/email"));
      await submit.click();
      if ((await answered).status() === 429) break;
    }
    await expect.poll(() => page.locator("#form-error").textContent()).toMatch(/Too many attempts/);
    expect(await submit.isDisabled()).toBe(true);
    const first = await seconds();
    expect(first).toBeGreaterThan(1);
    await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(first);
    expect(await submit.isDisabled()).toBe(true);
  });
});
