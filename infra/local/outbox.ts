import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  encodeHeaderValue,
  formatMailbox,
  InvalidMailAddress,
  isMailAddress,
  parseMailbox,
} from "../../functions/mail/mail-address";
import type { MailSender, OutgoingMail } from "../../functions/mail/mail-port";
import { escapeHtml, htmlDocumentStart } from "../../functions/mail/messages";

/**
 * The local stack's mail adapter: every message becomes an RFC 5322 `.eml` file under
 * `<dataDir>/mail/` (open one in any mail client), listed newest first by `listOutbox`, shown at
 * GET /_dev/mail and served as JSON at GET /_dev/mail.json. Dev-only: no stage has it.
 */
export const OUTBOX_FOLDER = "mail";
export const OUTBOX_PAGE_PATH = "/_dev/mail";
export const OUTBOX_JSON_PATH = "/_dev/mail.json";
export const OUTBOX_DEFAULT_FROM = "Local outbox <no-reply@localhost>";

export interface OutboxMessage {
  /** The file's name without `.eml`: its time, then a sequence number, then random hex. */
  id: string;
  /** The X-Mail-Kind header: what the message is for (verify-email, reset-password, …). */
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** ISO 8601, milliseconds included. */
  sentAt: string;
}

export interface OutboxOptions {
  /** The sender in the From header; `addr` or `Name <addr>`. */
  from?: string;
  /** The clock (tests). */
  now?: () => Date;
}

// 20260301T120000123Z-000001-a1b2c3d4: fixed width, so sorting names sorts by time.
const ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-\d{6}-[0-9a-f]{8}$/;
const CRLF = "\r\n";
const BASE64_LINE = 76;
const MESSAGE_ID_DOMAIN = "outbox.localhost";

// Orders messages written by this process within the same millisecond.
let sequence = 0;

function newMessageId(date: Date): string {
  sequence = (sequence + 1) % 1_000_000;
  const stamp = date.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${String(sequence).padStart(6, "0")}-${randomBytes(4).toString("hex")}`;
}

function sentAtOf(id: string): string | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, millisecond] = match;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}.${millisecond}Z`;
}

/** RFC 5322 date-time; toUTCString's "GMT" is obsolete syntax there, "+0000" is not. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

/** MIME canonical text (CRLF line breaks) in base64 lines: exact round trip, 7-bit clean. */
function base64Body(content: string): string {
  const encoded = Buffer.from(content.replace(/\r?\n/g, CRLF), "utf8").toString("base64");
  const lines: string[] = [];
  for (let at = 0; at < encoded.length; at += BASE64_LINE) {
    lines.push(encoded.slice(at, at + BASE64_LINE));
  }
  return lines.join(CRLF);
}

export interface EmlEnvelope {
  id: string;
  from: string;
  date: Date;
}

/** The message as an RFC 5322 / MIME multipart/alternative document (text, then HTML). */
export function formatEml(message: OutgoingMail, envelope: EmlEnvelope): string {
  if (!isMailAddress(message.to)) throw new InvalidMailAddress("the recipient");
  // "=_" never occurs in base64, so the boundary cannot collide with a part's content.
  const boundary = `=_outbox_${randomBytes(12).toString("hex")}`;
  const part = (type: string, content: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      "Content-Transfer-Encoding: base64",
      "",
      base64Body(content),
    ].join(CRLF);
  return [
    `From: ${formatMailbox(parseMailbox(envelope.from))}`,
    `To: ${message.to}`,
    `Subject: ${encodeHeaderValue(message.subject)}`,
    `Date: ${rfc5322Date(envelope.date)}`,
    `Message-ID: <${envelope.id}@${MESSAGE_ID_DOMAIN}>`,
    "MIME-Version: 1.0",
    `X-Mail-Kind: ${message.kind}`,
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
    "",
    part("text/plain", message.text),
    part("text/html", message.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
}

export class NotAnOutboxMessage extends Error {
  constructor(reason: string) {
    super(`not an outbox message: ${reason}`);
    this.name = "NotAnOutboxMessage";
  }
}

/** Header fields by lower-case name, continuation lines unfolded. */
function parseHeaders(lines: string[]): Map<string, string> {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (last === undefined) throw new NotAnOutboxMessage("a continuation line comes first");
      headers.set(last, `${headers.get(last)}${line}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw new NotAnOutboxMessage(`malformed header line ${JSON.stringify(line)}`);
    last = line.slice(0, colon).trim().toLowerCase();
    headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

/** Undoes encodeHeaderValue: UTF-8 "B" encoded words, the folding between them dropped. */
function decodeHeaderValue(value: string): string {
  return value.replace(
    /=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=(?:[ \t]+=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=)*/gi,
    (run) =>
      Buffer.concat(
        [...run.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi)].map((word) =>
          Buffer.from(word[1] as string, "base64"),
        ),
      ).toString("utf8"),
  );
}

function required(headers: Map<string, string>, name: string): string {
  const value = headers.get(name);
  if (value === undefined) throw new NotAnOutboxMessage(`no ${name} header`);
  return value;
}

/** Splits at the first empty line. */
function splitEntity(lines: string[]): { headers: Map<string, string>; body: string[] } {
  const blank = lines.indexOf("");
  if (blank < 0) throw new NotAnOutboxMessage("no blank line after the headers");
  return { headers: parseHeaders(lines.slice(0, blank)), body: lines.slice(blank + 1) };
}

/**
 * Reads back exactly what formatEml writes (and refuses anything else): the headers, and the
 * text/plain and text/html parts of one multipart/alternative body in base64.
 */
export function parseEml(source: string, id: string): OutboxMessage {
  const sentAt = sentAtOf(id);
  if (!sentAt) throw new NotAnOutboxMessage(`unexpected id ${JSON.stringify(id)}`);
  const { headers, body } = splitEntity(source.split(CRLF));
  if (required(headers, "mime-version") !== "1.0") {
    throw new NotAnOutboxMessage("unsupported MIME version");
  }
  const boundary = /^multipart\/alternative;\s*boundary="([^"]+)"$/i.exec(
    required(headers, "content-type"),
  )?.[1];
  if (!boundary) throw new NotAnOutboxMessage("not multipart/alternative");

  const parts = new Map<string, string>();
  let current: string[] | undefined;
  const finish = () => {
    if (!current) return;
    const part = splitEntity(current);
    const type = /^(text\/(?:plain|html)); charset=UTF-8$/i.exec(
      required(part.headers, "content-type"),
    )?.[1];
    if (!type || required(part.headers, "content-transfer-encoding").toLowerCase() !== "base64") {
      throw new NotAnOutboxMessage("a part is not UTF-8 text in base64");
    }
    const decoded = Buffer.from(part.body.join(""), "base64").toString("utf8");
    parts.set(type.toLowerCase(), decoded.replace(/\r\n/g, "\n"));
  };
  let closed = false;
  for (const line of body) {
    if (line === `--${boundary}` || line === `--${boundary}--`) {
      finish();
      current = [];
      closed = line.endsWith("--");
      if (closed) break;
    } else {
      current?.push(line);
    }
  }
  const text = parts.get("text/plain");
  const html = parts.get("text/html");
  if (!closed || text === undefined || html === undefined) {
    throw new NotAnOutboxMessage("the text and HTML parts are not both there");
  }
  return {
    id,
    kind: required(headers, "x-mail-kind"),
    to: required(headers, "to"),
    subject: decodeHeaderValue(required(headers, "subject")),
    text,
    html,
    sentAt,
  };
}

function outboxDir(dataDir: string): string {
  return join(dataDir, OUTBOX_FOLDER);
}

export function createOutboxMailSender(dataDir: string, options: OutboxOptions = {}): MailSender {
  const from = options.from ?? OUTBOX_DEFAULT_FROM;
  parseMailbox(from);
  const now = options.now ?? (() => new Date());
  return {
    async send(message) {
      const date = now();
      const id = newMessageId(date);
      const eml = formatEml(message, { id, from, date });
      const dir = outboxDir(dataDir);
      await mkdir(dir, { recursive: true });
      // Written aside and renamed: a listing never reads half a message. 0600: links are secrets.
      const temporary = join(dir, `.${id}.tmp`);
      await writeFile(temporary, eml, { mode: 0o600 });
      await rename(temporary, join(dir, `${id}.eml`));
    },
  };
}

/** Every message in the outbox, newest first; files that are not outbox messages are skipped. */
export async function listOutbox(dataDir: string): Promise<{ messages: OutboxMessage[] }> {
  const dir = outboxDir(dataDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { messages: [] };
    throw error;
  }
  const ids = names
    .filter((name) => name.endsWith(".eml"))
    .map((name) => name.slice(0, -".eml".length))
    .filter((id) => ID_PATTERN.test(id))
    .sort()
    .reverse();
  const messages = await Promise.all(
    ids.map(async (id) => {
      try {
        return parseEml(await readFile(join(dir, `${id}.eml`), "utf8"), id);
      } catch {
        // Removed since the listing, or not written by formatEml.
        return undefined;
      }
    }),
  );
  return { messages: messages.filter((message) => message !== undefined) };
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/** Escaped text with its http(s) links made clickable (trailing punctuation left outside). */
export function linkifyText(text: string): string {
  let html = "";
  let at = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, "");
    const start = match.index;
    html += `${escapeHtml(text.slice(at, start))}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    at = start + url.length;
  }
  return html + escapeHtml(text.slice(at));
}

const PAGE_STYLE = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
header,main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}
h1{margin:.5rem 0;font-size:1.5rem}
ol{list-style:none;margin:0;padding:0}
article{margin:0 0 1.5rem;padding:1rem 1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h2{margin:0 0 .5rem;font-size:1.2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dt{font-weight:600}dd{margin:0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 1rem;padding:1rem;background:#f6f8fa;border-radius:6px;font:inherit}
a{color:#0a58ca}a:focus-visible,summary:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}
iframe{width:100%;height:32rem;border:1px solid #d0d7de;border-radius:6px;background:#fff}
`;

/** The inbox page: every message with its recipient, time, text part (links clickable) and HTML part. */
export function renderOutboxPage(messages: OutboxMessage[]): string {
  const count = messages.length === 1 ? "1 message" : `${messages.length} messages`;
  const items = messages.map((message, index) => {
    const heading = `message-${index + 1}`;
    const subject = escapeHtml(message.subject);
    // Links in the HTML preview open in a new tab: the sandboxed frame itself runs nothing.
    const preview = `<base target="_blank">${message.html}`;
    return [
      `<li><article aria-labelledby="${heading}">`,
      `<h2 id="${heading}">${subject || "(no subject)"}</h2>`,
      "<dl>",
      `<dt>To</dt><dd>${escapeHtml(message.to)}</dd>`,
      `<dt>Sent</dt><dd><time datetime="${escapeHtml(message.sentAt)}">${escapeHtml(message.sentAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}</time></dd>`,
      `<dt>Kind</dt><dd>${escapeHtml(message.kind)}</dd>`,
      `<dt>File</dt><dd><code>${escapeHtml(message.id)}.eml</code></dd>`,
      "</dl>",
      `<pre aria-label="Text part">${linkifyText(message.text)}</pre>`,
      "<details><summary>HTML part</summary>",
      `<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" title="HTML part of ${subject}" srcdoc="${escapeHtml(preview)}"></iframe>`,
      "</details>",
      "</article></li>",
    ].join("\n");
  });
  return [
    ...htmlDocumentStart(`Local outbox (${count})`),
    `<style>${PAGE_STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    "<h1>Local outbox</h1>",
    `<p>Mail the local stack sent, newest first: <strong>${count}</strong>. <a href="${OUTBOX_PAGE_PATH}">Refresh</a> · <a href="${OUTBOX_JSON_PATH}">JSON</a></p>`,
    "</header>",
    "<main>",
    messages.length === 0
      ? "<p>No mail yet. Sign up or ask for a password reset, then refresh this page.</p>"
      : `<ol>\n${items.join("\n")}\n</ol>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  // The links carry one-time tokens: they must not travel in a Referer.
  "referrer-policy": "no-referrer",
};

// Inline styles for the page and the previewed mails; no script, no remote content, no framing.
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'none'; frame-ancestors 'none'";

export type OutboxRoutes = (request: Request) => Promise<Response | undefined>;

/**
 * GET /_dev/mail (the page) and GET /_dev/mail.json (`{ messages }`, newest first; `?to=addr`
 * keeps one recipient's); any other method there is a 405, any other path `undefined`.
 */
export function createOutboxRoutes(dataDir: string): OutboxRoutes {
  return async (request) => {
    const url = new URL(request.url);
    const json = url.pathname === OUTBOX_JSON_PATH;
    if (!json && url.pathname !== OUTBOX_PAGE_PATH) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed", {
        status: 405,
        headers: {
          ...COMMON_HEADERS,
          allow: "GET, HEAD",
          "content-type": "text/plain; charset=utf-8",
        },
      });
    }
    let { messages } = await listOutbox(dataDir);
    const to = url.searchParams.get("to")?.toLowerCase();
    if (to) messages = messages.filter((message) => message.to.toLowerCase() === to);
    const body = json ? JSON.stringify({ messages }) : renderOutboxPage(messages);
    const headers = json
      ? { ...COMMON_HEADERS, "content-type": "application/json; charset=utf-8" }
      : {
          ...COMMON_HEADERS,
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": PAGE_CSP,
        };
    return new Response(request.method === "HEAD" ? null : body, { status: 200, headers });
  };
}
