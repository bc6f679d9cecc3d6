/**
 * The account lifecycle in real Chromium through the local stack and its inbox (GET
 * /_dev/mail.json): confirming an address, recovery, change of password and of address, the
 * list of signed-in devices, and live password strength with the server's own verdict.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { describeInChromium, linkIn, useSiteHarness, type Visitor } from "./site-harness";

const run = randomUUID().slice(0, 8);
const person = (name: string, password: string): Visitor => ({
  email: `${name}-${run}@example.com`,
  password,
});
const carol = person("carol", "lantern orbit kettle drum");
const dave = person("dave", "velvet canyon sprocket moss");
const erin = person("erin", "quartz meadow tumble parade");
/** Answers from the server (scrypt on a shared machine) can take a few seconds. */
const SLOW = { timeout: 15_000 };

describeInChromium("the account lifecycle in Chromium", () => {
  // Many sign-ups and sign-ins from one loopback address within a minute would trip the per-IP
  // limits; those have their own tests (functions/auth/rate-limit.test.ts, site.e2e).
  const site = useSiteHarness("account-e2e", { rateLimit: false });
  const { newVisitor, url, startSignUp, signUp, signIn } = site;

  const textOf = (page: Page, selector: string) => () => page.locator(selector).textContent();

  /** A second browser (own cookies) signed in as `who`, on its tasks page. */
  async function otherDevice(name: string, who: Visitor): Promise<Page> {
    const page = await newVisitor(name);
    await signIn(page, who);
    await page.waitForURL(url("/tasks/"), SLOW);
    return page;
  }

  /** Reloading the tasks page of a device whose session is gone lands on sign-in with a notice. */
  async function expectSignedOut(page: Page) {
    await page.goto(url("/tasks/"));
    await page.waitForURL(/\/sign-in\/\?reason=session-ended&next=%2Ftasks%2F$/, SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toContain("Sign in again");
  }

  it("confirms a new address from the inbox, signs in on /tasks, and refuses the link a second time", async () => {
    const page = await newVisitor("verify link");
    await startSignUp(page, carol);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Check your inbox");
    expect(await page.locator("#inbox-address").textContent()).toBe(carol.email);

    const mail = await site.waitForMail(carol.email, /Confirm your e-mail address/);
    const link = linkIn(mail, "/verify-email");
    await page.goto(link);
    await page.waitForURL(url("/tasks/"), SLOW);
    await expect.poll(textOf(page, "#signed-in-as"), SLOW).toContain(carol.email);

    const stranger = await newVisitor("verify link again");
    await stranger.goto(link);
    await expect
      .poll(textOf(stranger, "#verify-error"), SLOW)
      .toContain("expired or was already used");
    expect(await stranger.getByRole("button", { name: "Send a new link" }).isVisible()).toBe(true);
    expect(stranger.url()).toContain("/verify-email");
  });

  it("refuses sign-in before the address is confirmed and sends a new link from the resend page", async () => {
    const page = await newVisitor("unverified sign-in");
    await startSignUp(page, dave);
    const first = await site.waitForMail(dave.email, /Confirm your e-mail address/);

    await signIn(page, dave);
    await expect
      .poll(textOf(page, "#form-error"), SLOW)
      .toContain("Confirm your e-mail address first");
    expect(page.url()).toContain("/sign-in/");
    await page.getByRole("link", { name: "Send the link again" }).click();
    await page.waitForURL(/\/check-inbox\/\?email=/);
    expect(await page.getByLabel("E-mail").inputValue()).toBe(dave.email);

    const send = page.getByRole("button", { name: "Send a new link" });
    await send.click();
    await expect.poll(textOf(page, "#resend-notice"), SLOW).toContain("a new link is on its way");
    // A quiet cooldown: the button rests instead of inviting a fourth mail within the minute.
    expect(await send.isDisabled()).toBe(true);
    const second = await site.waitForMail(dave.email, /Confirm your e-mail address/, {
      newerThan: first,
    });

    // An unknown address gets the very same answer.
    const unknown = await newVisitor("resend unknown");
    const nobody = `nobody-${run}@example.com`;
    await unknown.goto(url(`/check-inbox/?email=${encodeURIComponent(nobody)}`));
    await unknown.getByRole("button", { name: "Send a new link" }).click();
    await expect
      .poll(textOf(unknown, "#resend-notice"), SLOW)
      .toContain("a new link is on its way");
    expect((await unknown.locator("#resend-notice").textContent())?.replace(nobody, "X")).toBe(
      (await page.locator("#resend-notice").textContent())?.replace(dave.email, "X"),
    );
    expect(await site.inbox(nobody)).toEqual([]);

    await page.goto(linkIn(second, "/verify-email"));
    await page.waitForURL(url("/tasks/"), SLOW);
  });

  it("resets a forgotten password: the old one is refused, the new one works, other devices are out", async () => {
    const phone = await otherDevice("reset other device", dave);
    const page = await newVisitor("reset password");
    await page.goto(url("/sign-in/"));
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.waitForURL(/\/forgot-password\//);
    await page.getByLabel("E-mail").fill(dave.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(textOf(page, "#forgot-notice"), SLOW).toContain("If an account uses");
    const confirmation = await page.locator("#forgot-notice").textContent();

    const mail = await site.waitForMail(dave.email, /Reset your .* password/);
    const link = linkIn(mail, "/reset-password");
    await page.goto(link);
    const newPassword = "harbor violin pepper glacier";
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByRole("button", { name: "Save the new password" }).click();
    await page.waitForURL(/\/sign-in\/\?reset=1$/, SLOW);
    await expect.poll(textOf(page, "#sign-in-notice")).toContain("Your password is changed");

    await signIn(page, dave);
    await expect.poll(textOf(page, "#password-error"), SLOW).toContain("Wrong e-mail or password");
    await signIn(page, { ...dave, password: newPassword });
    await page.waitForURL(url("/tasks/"), SLOW);
    await expectSignedOut(phone);
    dave.password = newPassword;

    // The link works once.
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill("another fresh walnut sunrise");
    await page.getByRole("button", { name: "Save the new password" }).click();
    await expect.poll(() => page.locator("#link-error").isVisible(), SLOW).toBe(true);
    await page.getByRole("link", { name: "Ask for a new link" }).click();
    await page.waitForURL(/\/forgot-password\//);

    // An unknown address: the same confirmation, and no mail.
    const nobody = `nobody-reset-${run}@example.com`;
    await page.getByLabel("E-mail").fill(nobody);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(textOf(page, "#forgot-notice"), SLOW).toContain(nobody);
    expect((await page.locator("#forgot-notice").textContent())?.replace(nobody, "X")).toBe(
      confirmation?.replace(dave.email, "X"),
    );
    expect(await site.inbox(nobody)).toEqual([]);
  });

  it("lists the signed-in devices, marks this one, and signs out one device and then every other", async () => {
    const laptop = await otherDevice("sessions laptop", carol);
    const tablet = await otherDevice("sessions tablet", carol);
    const page = await otherDevice("sessions account page", carol);
    await page.goto(url("/account/"));
    const items = page.locator("#session-list > li");
    // The sign-up's verified session is still active too.
    await expect.poll(() => items.count(), SLOW).toBe(4);
    expect(await items.filter({ hasText: "This device" }).count()).toBe(1);
    expect(await items.first().textContent()).toContain("This device");
    expect(await items.first().textContent()).toContain("Chrome on Linux");

    await items
      .nth(1)
      .getByRole("button", { name: /^Sign out/ })
      .click();
    await expect.poll(() => items.count(), SLOW).toBe(3);
    await expect.poll(textOf(page, "#sessions-notice")).toContain("That device is signed out");
    // The newest other session was the tablet's.
    await expectSignedOut(tablet);

    await page.getByRole("button", { name: "Sign out other devices" }).click();
    await expect.poll(() => items.count(), SLOW).toBe(1);
    expect(await items.first().textContent()).toContain("This device");
    expect(await page.getByRole("button", { name: "Sign out other devices" }).isVisible()).toBe(
      false,
    );
    await expectSignedOut(laptop);
    await page.goto(url("/tasks/"));
    await expect.poll(textOf(page, "#signed-in-as"), SLOW).toContain(carol.email);
  });

  it("sends an open tasks page whose session was signed out elsewhere to sign-in on its next call", async () => {
    const phone = await otherDevice("session ended phone", carol);
    await expect
      .poll(() => phone.locator("#list-state").textContent(), SLOW)
      .toContain("No tasks yet");
    const page = await otherDevice("session ended account page", carol);
    await page.goto(url("/account/"));
    await page.getByRole("button", { name: "Sign out other devices" }).click();
    await expect.poll(textOf(page, "#sessions-notice"), SLOW).toContain("Every other device");

    // The phone's page still holds a token that verifies; the API refuses its ended session.
    // The answers pass through unchanged; they are copied because the page leaves at once.
    const answers: Array<{ status: number; body: string }> = [];
    await phone.route("**/api/tasks", async (route) => {
      const response = await route.fetch();
      answers.push({ status: response.status(), body: await response.text() });
      await route.fulfill({ response });
    });
    await phone.getByLabel("Title").first().fill("Written after sign-out");
    await phone.getByRole("button", { name: "Add task" }).click();
    await phone.waitForURL(/\/sign-in\/\?reason=session-ended&next=%2Ftasks%2F$/, SLOW);
    await expect.poll(textOf(phone, "#sign-in-notice")).toContain("Sign in again");
    expect(answers).toHaveLength(1);
    expect(answers[0]?.status).toBe(401);
    expect(JSON.parse(answers[0]?.body ?? "{}")).toMatchObject({
      error: { code: "SESSION_ENDED" },
    });
  });

  it("changes the password on the account page and signs out a second device", async () => {
    const phone = await otherDevice("change password phone", carol);
    const page = await otherDevice("change password", carol);
    await page.goto(url("/account/"));
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password", { exact: true }).fill("saffron bicycle thunder lake");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(textOf(page, "#current-password-error"), SLOW).toContain("not correct");

    await page.getByLabel("Current password").fill(carol.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(textOf(page, "#password-notice"), SLOW).toContain("Your password is changed");
    await expect.poll(() => page.locator("#session-list > li").count(), SLOW).toBe(1);
    await expectSignedOut(phone);
    carol.password = "saffron bicycle thunder lake";

    // This device stays signed in with its new session.
    await page.goto(url("/tasks/"));
    await expect.poll(textOf(page, "#signed-in-as"), SLOW).toContain(carol.email);
    await signIn(phone, carol);
    await phone.waitForURL(url("/tasks/"), SLOW);
  });

  it("changes the address only once the link sent to the new one is opened", async () => {
    await signUp(await newVisitor("change email sign-up"), erin);
    const page = await otherDevice("change email", erin);
    await page.goto(url("/account/"));
    const newEmail = `erin-new-${run}@example.com`;
    await page.getByLabel("New e-mail address").fill(newEmail);
    await page.getByRole("button", { name: "Send the confirmation link" }).click();
    await expect
      .poll(textOf(page, "#email-notice"), SLOW)
      .toContain(`We sent a link to ${newEmail}`);
    const confirm = await site.waitForMail(newEmail, /Confirm your new e-mail address/);
    await site.waitForMail(erin.email, /e-mail address is being changed/);

    // Not yet: the old address still signs in, the new one does not.
    await page.reload();
    await expect.poll(textOf(page, "#account-email"), SLOW).toBe(erin.email);
    const elsewhere = await newVisitor("change email elsewhere");
    await signIn(elsewhere, { ...erin, email: newEmail });
    await expect
      .poll(textOf(elsewhere, "#password-error"), SLOW)
      .toContain("Wrong e-mail or password");

    await page.goto(linkIn(confirm, "/verify-email"));
    await page.waitForURL(url("/tasks/"), SLOW);
    await page.goto(url("/account/"));
    await expect.poll(textOf(page, "#account-email"), SLOW).toBe(newEmail);

    await signIn(elsewhere, { ...erin, email: newEmail });
    await elsewhere.waitForURL(url("/tasks/"), SLOW);
    const oldAddress = await newVisitor("change email old address");
    await signIn(oldAddress, erin);
    await expect
      .poll(textOf(oldAddress, "#password-error"), SLOW)
      .toContain("Wrong e-mail or password");
  });

  it("gives live strength feedback with the server's estimator, loaded on first use, and the server refuses a weak password", async () => {
    const page = await newVisitor("weak password");
    const estimatorChunks: string[] = [];
    page.on("request", (request) => {
      if (/password-policy-options\.[\w-]+\.js$/.test(request.url()))
        estimatorChunks.push(request.url());
    });
    await page.goto(url("/sign-up/"));
    const password = page.getByLabel("Password", { exact: true });
    expect(await password.getAttribute("aria-describedby")).toContain("password-strength");
    expect(estimatorChunks).toEqual([]);

    const email = `frank-${run}@example.com`;
    await page.getByLabel("E-mail").fill(email);
    await password.fill("password1");
    const strength = page.locator("#password-strength");
    await expect.poll(() => strength.getAttribute("data-verdict"), SLOW).toBe("weak");
    expect(await strength.textContent()).toContain("too easy to guess");
    expect(await strength.getAttribute("aria-live")).toBe("polite");
    expect(estimatorChunks).toHaveLength(1);

    await password.fill(`frank-${run}`);
    await expect.poll(() => strength.textContent(), SLOW).toContain("e-mail address or name");

    await password.fill("marble tundra whistle oyster");
    await expect.poll(() => strength.getAttribute("data-verdict"), SLOW).toBe("strong");

    // The server judges for itself: a weak password sent anyway is refused, next to the field.
    await password.fill("qwertyuiop");
    await expect.poll(() => strength.getAttribute("data-verdict"), SLOW).toBe("weak");
    const answer = page.waitForResponse((response) => response.url().includes("/sign-up/email"));
    await page.getByRole("button", { name: "Create account" }).click();
    const response = await answer;
    expect(response.status()).toBe(400);
    expect(((await response.json()) as { code?: string }).code).toBe("PASSWORD_TOO_WEAK");
    await expect.poll(textOf(page, "#password-error")).toContain("too easy to guess");
    expect(await password.getAttribute("aria-invalid")).toBe("true");
    expect(page.url()).toContain("/sign-up/");
    expect(await site.inbox(email)).toEqual([]);
  });
});
