/**
 * What every browser suite of the site shares: one local stack (site + API + outbox) on an
 * in-memory database, one Chromium, a fresh context per visitor, artifacts of failing tests, the
 * journey-wide CSP check, and the local inbox read through GET /_dev/mail.json.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "../../functions/db/database";
import { type LocalStack, startLocalStack } from "../../infra/local/stack";
import {
  CHROMIUM_AVAILABLE,
  IN_CI,
  INSTALL_HINT,
  launchChromium,
  openPage,
  saveArtifacts,
  type TrackedPage,
} from "./browser";
import { DIST_DIR, ensureSiteBuilt } from "./site-build";

/** A message as GET /_dev/mail.json lists it. */
export interface InboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

export interface Visitor {
  email: string;
  password: string;
}

export interface HarnessOptions {
  /** The auth function's rate limits (default on, as deployed). */
  rateLimit?: boolean;
  /** Sign-in needs a confirmed address (default on, as deployed); off, sign-up signs in at once. */
  emailVerification?: boolean;
}

export interface SiteHarness {
  readonly stack: LocalStack;
  readonly db: Database;
  url(path: string): string;
  /** A fresh browser context (own cookies) whose artifacts are kept if the test fails. */
  newVisitor(testName: string, options?: Parameters<typeof openPage>[1]): Promise<Page>;
  /** The CSP violations a page reported so far (clear it after asserting an expected one). */
  violationsOf(page: Page): string[];
  /** Sends the sign-up form and waits for the "check your inbox" page. */
  startSignUp(page: Page, who: Visitor): Promise<void>;
  /** Sign-up on the site, then the verification link from the inbox, which signs in. */
  signUp(page: Page, who: Visitor): Promise<void>;
  /** Fills and sends the sign-in form (where it leads is the caller's to check). */
  signIn(page: Page, who: Visitor): Promise<void>;
  /** Every message to `to`, newest first. */
  inbox(to: string): Promise<InboxMessage[]>;
  /** Waits for a message to `to` whose subject matches (and that is newer than `newerThan`). */
  waitForMail(
    to: string,
    subject: RegExp,
    options?: { newerThan?: InboxMessage },
  ): Promise<InboxMessage>;
}

/** The browser suites skip without Chromium, except in CI, where that is a failure. */
export function describeInChromium(name: string, body: () => void): void {
  if (!CHROMIUM_AVAILABLE && !IN_CI) console.warn(INSTALL_HINT);
  describe.runIf(!CHROMIUM_AVAILABLE && IN_CI)(`${name}: browser tests in CI`, () => {
    it("have Chromium installed", () => {
      throw new Error(INSTALL_HINT.replace("browser tests skipped", "browser tests cannot run"));
    });
  });
  describe.skipIf(!CHROMIUM_AVAILABLE)(name, { timeout: 120_000 }, body);
}

/** The first link of a message's text part that leads to `path` on the site. */
export function linkIn(message: InboxMessage, path: string): string {
  const link = message.text.match(/https?:\/\/\S+/g)?.find((candidate) => {
    return new URL(candidate).pathname.replace(/\/$/, "") === path.replace(/\/$/, "");
  });
  if (!link) throw new Error(`no link to ${path} in "${message.subject}"`);
  return link;
}

/** Registers the hooks of one shared stack and browser in the calling describe block. */
export function useSiteHarness(label: string, options: HarnessOptions = {}): SiteHarness {
  const run = randomUUID().slice(0, 8);
  const databaseUrl = `memory:${label}-${run}`;
  let stack: LocalStack | undefined;
  let database: DatabaseHandle | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;
  /** The pages the running test opened (closed when it finishes). */
  let opened: TrackedPage[] = [];

  beforeAll(async () => {
    await ensureSiteBuilt();
    // The outbox lives in the data directory: a temporary one, so runs never share mail.
    dataDir = await mkdtemp(join(tmpdir(), `${label}-`));
    stack = await startLocalStack({
      port: 0,
      databaseUrl,
      dataDir,
      secret: `${label}-secret-${randomUUID()}`,
      serveSite: true,
      siteDir: DIST_DIR,
      quiet: true,
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.emailVerification === undefined
        ? {}
        : { emailVerification: options.emailVerification }),
    });
    // The stack's own database, through the loopback server its functions use.
    database = await openDatabase({ url: stack.databaseUrl, maxConnections: 2 });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await database?.close();
    await stack?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // The whole journey runs under the site's CSP: any refused script, style, image or call fails it.
  afterEach(() => {
    for (const { securityViolations } of opened) expect(securityViolations).toEqual([]);
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet`);
    return value;
  };

  const harness: SiteHarness = {
    get stack() {
      return started(stack, "the local stack");
    },
    get db() {
      return started(database, "the database").db;
    },
    url: (path) => `${harness.stack.url}${path}`,
    async newVisitor(testName, options) {
      const tracked = await openPage(started(browser, "Chromium"), options);
      if (opened.length === 0) {
        const pages = opened;
        // Vitest runs afterEach before failure hooks, so one finish hook saves and then closes.
        onTestFinished(async ({ task }) => {
          opened = [];
          if (task.result?.state === "fail") await saveArtifacts(testName, pages);
          await Promise.all(pages.map(({ context }) => context.close().catch(() => undefined)));
        });
      }
      opened.push(tracked);
      return tracked.page;
    },
    violationsOf: (page) =>
      opened.find((tracked) => tracked.page === page)?.securityViolations ?? [],
    async startSignUp(page, who) {
      await page.goto(harness.url("/sign-up/"));
      await page.getByLabel("E-mail").fill(who.email);
      await page.getByLabel("Password", { exact: true }).fill(who.password);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(/\/check-inbox\/\?email=/, { timeout: 15_000 });
    },
    async signUp(page, who) {
      await harness.startSignUp(page, who);
      const mail = await harness.waitForMail(who.email, /Confirm your e-mail address/);
      await page.goto(linkIn(mail, "/verify-email"));
      await page.waitForURL(harness.url("/tasks/"));
    },
    async signIn(page, who) {
      await page.goto(harness.url("/sign-in/"));
      await page.getByLabel("E-mail").fill(who.email);
      await page.getByLabel("Password", { exact: true }).fill(who.password);
      await page.getByRole("button", { name: "Sign in" }).click();
    },
    async inbox(to) {
      const response = await fetch(harness.url(`/_dev/mail.json?${new URLSearchParams({ to })}`));
      expect(response.status).toBe(200);
      const { messages } = (await response.json()) as { messages: InboxMessage[] };
      return messages;
    },
    async waitForMail(to, subject, options = {}) {
      let found: InboxMessage | undefined;
      await expect
        .poll(
          async () => {
            const messages = await harness.inbox(to);
            const seen = messages.findIndex((message) => message.id === options.newerThan?.id);
            const newer = seen === -1 ? messages : messages.slice(0, seen);
            found = newer.find((message) => subject.test(message.subject));
            return found !== undefined;
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      return started(found, "the mail");
    },
  };
  return harness;
}
