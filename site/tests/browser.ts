/**
 * Debian's Chromium driven by playwright-core, plus what every browser test needs: a console
 * log per page and, when a test fails, a screenshot and that log under test-artifacts/.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { SITE_ROOT } from "./site-build";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM_PATH);
export const IN_CI = process.env.CI === "true";
export const INSTALL_HINT = `Chromium not found at ${CHROMIUM_PATH}: browser tests skipped (install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH).`;

const LAUNCH_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const ARTIFACTS_DIR = resolve(SITE_ROOT, "..", "test-artifacts", "site-e2e");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_FLAGS });
}

export interface TrackedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages, page errors and failed requests, in order. */
  log: string[];
  /** Every Content-Security-Policy violation any of its documents reported, and framing refusals. */
  securityViolations: string[];
}

/** Chromium's console wording for what a CSP, frame-ancestors or X-Frame-Options refused. */
const SECURITY_REFUSAL = /Content Security Policy|X-Frame-Options|frame-ancestors/i;
const REPORT_BINDING = "__reportSecurityViolation";

/** Runs in every document before its own scripts: reports each violation out of the page at once. */
function listenForViolations(binding: string): void {
  const report = (window as unknown as Record<string, (text: string) => void>)[binding];
  document.addEventListener("securitypolicyviolation", (event) => {
    report?.(
      `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} in ${event.documentURI}`,
    );
  });
}

/** A fresh browser context (its own cookies) with one page whose console is recorded. */
export async function openPage(
  browser: Browser,
  options: {
    width?: number;
    height?: number;
    colorScheme?: "light" | "dark";
    /** A phone's touch screen: `(pointer: coarse)` and `(hover: none)` match. */
    touch?: boolean;
  } = {},
): Promise<TrackedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light",
    ...(options.touch ? { hasTouch: true, isMobile: true } : {}),
  });
  // A binding, not a window property: violations must survive the navigations that follow them.
  const securityViolations: string[] = [];
  await context.exposeBinding(REPORT_BINDING, (_source, text: string) => {
    securityViolations.push(`[securitypolicyviolation] ${text}`);
  });
  await context.addInitScript(listenForViolations, REPORT_BINDING);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const log: string[] = [];
  page.on("console", (message) => {
    log.push(`[console.${message.type()}] ${message.text()}`);
    if (SECURITY_REFUSAL.test(message.text()))
      securityViolations.push(`[console] ${message.text()}`);
  });
  page.on("pageerror", (error) => log.push(`[pageerror] ${error.message}`));
  page.on("requestfailed", (request) =>
    log.push(
      `[requestfailed] ${request.method()} ${request.url()} ${request.failure()?.errorText}`,
    ),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) {
      log.push(`[response] ${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  return { page, context, log, securityViolations };
}

/** Saves a screenshot and the console log of every page the failing test used. */
export async function saveArtifacts(testName: string, pages: TrackedPage[]): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const base = testName
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 80);
  for (const [index, { page, log }] of pages.entries()) {
    const name = `${base}-${index + 1}`;
    const logFile = join(ARTIFACTS_DIR, `${name}.console.log`);
    // The log first: a page stuck mid-navigation can make the screenshot itself fail.
    await writeFile(
      logFile,
      `${[...log, `[artifact] page URL at failure: ${page.url()}`].join("\n")}\n`,
    );
    if (page.isClosed()) continue;
    await page
      .screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true, timeout: 10_000 })
      .catch((error: unknown) =>
        appendFile(logFile, `[artifact] screenshot failed: ${String(error).split("\n")[0]}\n`),
      );
  }
}
