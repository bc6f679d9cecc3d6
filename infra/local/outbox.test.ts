import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import PostalMime from "postal-mime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OutgoingMail } from "../../functions/mail/mail-port";
import { passwordResetMail, verificationMail } from "../../functions/mail/messages";
import {
  createOutboxMailSender,
  createOutboxRoutes,
  formatEml,
  linkifyText,
  listOutbox,
  NotAnOutboxMessage,
  OUTBOX_DEFAULT_FROM,
  type OutboxMessage,
  parseEml,
  renderOutboxPage,
} from "./outbox";

const ORIGIN = "http://127.0.0.1:3000";
const VERIFY = verificationMail({
  productName: "Tasks",
  to: "erin@example.com",
  url: `${ORIGIN}/api/auth/verify-email?token=abc&callbackURL=%2Ftasks`,
  expiresInSeconds: 86_400,
});
const RESET = passwordResetMail({
  productName: "Tasks",
  to: "frank@example.com",
  url: `${ORIGIN}/reset-password?token=def`,
  expiresInSeconds: 3_600,
});
const ID = "20260301T120000123Z-000001-0a1b2c3d";

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "outbox-test-"));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A clock that moves forward one second per message. */
function steppingClock(start = "2026-03-01T12:00:00.000Z"): () => Date {
  let at = Date.parse(start);
  return () => {
    const date = new Date(at);
    at += 1_000;
    return date;
  };
}

async function emlFiles(): Promise<string[]> {
  return (await readdir(join(dataDir, "mail"))).filter((name) => name.endsWith(".eml")).sort();
}

describe("outbox sender and listing", () => {
  it("writes each message as an .eml file and lists it back exactly, newest first", async () => {
    const sender = createOutboxMailSender(dataDir, { now: steppingClock() });
    await sender.send(VERIFY);
    await sender.send(RESET);

    const files = await emlFiles();
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}\.eml$/);
    // Only the two messages are left: the temporary files were renamed into place.
    expect(await readdir(join(dataDir, "mail"))).toHaveLength(2);
    expect(((await stat(join(dataDir, "mail", files[0] as string))).mode & 0o777).toString(8)).toBe(
      "600",
    );

    const { messages } = await listOutbox(dataDir);
    expect(messages.map((message) => message.subject)).toEqual([RESET.subject, VERIFY.subject]);
    expect(messages[0]).toEqual({
      id: (files[1] as string).replace(/\.eml$/, ""),
      kind: "reset-password",
      to: RESET.to,
      subject: RESET.subject,
      text: RESET.text,
      html: RESET.html,
      sentAt: "2026-03-01T12:00:01.000Z",
    });
    expect(messages[1]).toMatchObject({
      to: VERIFY.to,
      text: VERIFY.text,
      html: VERIFY.html,
      sentAt: "2026-03-01T12:00:00.000Z",
    });
  });

  it("orders messages sent within the same millisecond by when they were sent", async () => {
    const sender = createOutboxMailSender(dataDir, { now: () => new Date(ID_TIME) });
    for (let index = 0; index < 12; index += 1) {
      await sender.send({ ...VERIFY, subject: `message ${index}` });
    }
    const { messages } = await listOutbox(dataDir);
    expect(messages.map((message) => message.subject)).toEqual(
      Array.from({ length: 12 }, (_, index) => `message ${11 - index}`),
    );
  });

  it("round-trips a non-ASCII subject and bodies, keeping the file 7-bit", async () => {
    const subject = "Bestätigen Sie Ihre E-Mail-Adresse für „Aufgaben“ 🗂️ — ünïcödé ".repeat(2);
    const mail: OutgoingMail = {
      ...VERIFY,
      subject,
      text: "Grüße\n\n  indented line with trailing spaces   \nlast line without newline",
      html: "<p>Grüße — 😀</p>",
    };
    await createOutboxMailSender(dataDir).send(mail);
    const raw = await readFile(join(dataDir, "mail", (await emlFiles())[0] as string));
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    const [message] = (await listOutbox(dataDir)).messages;
    expect(message).toMatchObject({ subject, text: mail.text, html: mail.html });
  });

  it("answers an empty list when nothing was sent yet, and skips files it did not write", async () => {
    expect(await listOutbox(dataDir)).toEqual({ messages: [] });
    await createOutboxMailSender(dataDir).send(VERIFY);
    const dir = join(dataDir, "mail");
    await writeFile(join(dir, "notes.txt"), "not mail");
    await writeFile(join(dir, "hand-written.eml"), "Subject: hi\r\n\r\nhello");
    await writeFile(join(dir, `${ID}.eml`), "Subject: hi\r\n\r\nhello");
    await writeFile(join(dir, `.${ID}.tmp`), "half a message");
    const { messages } = await listOutbox(dataDir);
    expect(messages.map((message) => message.to)).toEqual([VERIFY.to]);
  });

  it("fails loudly when the outbox folder cannot be read", async () => {
    await writeFile(join(dataDir, "mail"), "a file where the folder should be");
    await expect(listOutbox(dataDir)).rejects.toMatchObject({ code: "ENOTDIR" });
  });

  it("refuses a malformed sender when created and a malformed recipient when sending", async () => {
    expect(() => createOutboxMailSender(dataDir, { from: "nobody" })).toThrow("the sender");
    const sender = createOutboxMailSender(dataDir);
    await expect(
      sender.send({ ...VERIFY, to: "erin@example.com\r\nBcc: x@y.example" }),
    ).rejects.toThrow("the recipient");
  });
});

const ID_TIME = "2026-03-01T12:00:00.123Z";

describe("the .eml format", () => {
  const eml = formatEml(
    { ...VERIFY, subject: "Bestätigen — ✓" },
    { id: ID, from: OUTBOX_DEFAULT_FROM, date: new Date(ID_TIME) },
  );
  const [head = "", ...rest] = eml.split("\r\n\r\n");

  it("uses CRLF line breaks only, with lines of at most 76 characters", () => {
    expect(eml).not.toMatch(/[^\r]\n/);
    // RFC 5322 asks for 78 at most; RFC 2047 for 76 on lines with encoded words.
    for (const line of eml.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(rest.length).toBeGreaterThan(0);
  });

  it("has the RFC 5322 and MIME headers", () => {
    const lines = head.split("\r\n");
    expect(lines).toEqual([
      "From: Local outbox <no-reply@localhost>",
      "To: erin@example.com",
      expect.stringMatching(/^Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/),
      "Date: Sun, 01 Mar 2026 12:00:00 +0000",
      `Message-ID: <${ID}@outbox.localhost>`,
      "MIME-Version: 1.0",
      "X-Mail-Kind: verify-email",
      "Content-Type: multipart/alternative;",
      expect.stringMatching(/^ boundary="=_outbox_[0-9a-f]{24}"$/),
    ]);
  });

  it("is read the same by an independent MIME parser (postal-mime)", async () => {
    const parsed = await PostalMime.parse(eml);
    expect(parsed.from).toEqual({ name: "Local outbox", address: "no-reply@localhost" });
    expect(parsed.to).toEqual([{ name: "", address: "erin@example.com" }]);
    expect(parsed.subject).toBe("Bestätigen — ✓");
    expect(parsed.messageId).toBe(`<${ID}@outbox.localhost>`);
    expect(parsed.date).toBe("2026-03-01T12:00:00.000Z");
    // postal-mime keeps the MIME canonical CRLF; the outbox hands back the LF it was given.
    expect(parsed.text?.replace(/\r\n/g, "\n")).toBe(VERIFY.text);
    expect(parsed.html?.replace(/\r\n/g, "\n")).toBe(VERIFY.html);
    expect(parsed.attachments).toEqual([]);
  });

  it("folds a long non-ASCII subject into encoded words that postal-mime joins again", async () => {
    const subject = "Réinitialisez votre mot de passe pour « Tâches » ".repeat(3).trim();
    const folded = formatEml(
      { ...RESET, subject },
      { id: ID, from: "Tâches <no-reply@taches.example>", date: new Date(ID_TIME) },
    );
    const subjectLines = /^Subject: .*?\r\n(?=\S)/ms.exec(folded)?.[0].split("\r\n") ?? [];
    expect(subjectLines.length).toBeGreaterThan(3);
    for (const line of subjectLines) expect(line.length).toBeLessThanOrEqual(76);
    const parsed = await PostalMime.parse(folded);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from).toEqual({ name: "Tâches", address: "no-reply@taches.example" });
    expect(parseEml(folded, ID).subject).toBe(subject);
  });

  it("parses back what it wrote, tolerating a preamble before the first part", () => {
    expect(parseEml(eml, ID)).toEqual({
      id: ID,
      kind: "verify-email",
      to: VERIFY.to,
      subject: "Bestätigen — ✓",
      text: VERIFY.text,
      html: VERIFY.html,
      sentAt: ID_TIME,
    });
    const withPreamble = eml.replace("\r\n\r\n--", "\r\n\r\nThis is a MIME message.\r\n--");
    expect(parseEml(withPreamble, ID).text).toBe(VERIFY.text);
  });

  it.each<[string, (source: string) => string, string]>([
    [
      "no blank line after the headers",
      (s) => s.replace(/\r\n\r\n/g, "\r\n").trimEnd(),
      "no blank line",
    ],
    ["a header line without a colon", (s) => `garbage\r\n${s}`, "malformed header"],
    ["a continuation line first", (s) => ` folded\r\n${s}`, "continuation line comes first"],
    [
      "another MIME version",
      (s) => s.replace("MIME-Version: 1.0", "MIME-Version: 2.0"),
      "MIME version",
    ],
    ["no MIME version", (s) => s.replace("MIME-Version: 1.0\r\n", ""), "no mime-version header"],
    [
      "another content type",
      (s) => s.replace("multipart/alternative", "multipart/mixed"),
      "not multipart",
    ],
    ["no subject", (s) => s.replace(/Subject: [^\r]*\r\n/, ""), "no subject header"],
    ["no kind", (s) => s.replace(/X-Mail-Kind: [^\r]*\r\n/, ""), "no x-mail-kind header"],
    ["no closing boundary", (s) => s.replace(/--\r\n$/, "\r\n"), "not both there"],
    ["no HTML part", (s) => s.replace(/text\/html/, "text/plain"), "not both there"],
    [
      "a part in another charset",
      (s) => s.replace("text/plain; charset=UTF-8", "text/plain; charset=ISO-8859-1"),
      "not UTF-8 text",
    ],
    [
      "a part in another encoding",
      (s) => s.replace("base64", "quoted-printable"),
      "not UTF-8 text",
    ],
    [
      "a part without headers",
      (s) => s.replace(/(--=_outbox_[0-9a-f]+\r\n)Content-Type[\s\S]*?\r\n\r\n/, "$1"),
      "no blank line",
    ],
  ])("refuses %s", (_, mutate, reason) => {
    expect(() => parseEml(mutate(eml), ID)).toThrow(NotAnOutboxMessage);
    expect(() => parseEml(mutate(eml), ID)).toThrow(reason);
  });

  it("refuses a file name that is not an outbox id", () => {
    expect(() => parseEml(eml, "hand-written")).toThrow("unexpected id");
  });
});

describe("the inbox page", () => {
  const hostile: OutboxMessage = {
    id: ID,
    kind: "verify-email",
    to: "x@example.com",
    subject: '<img src=x onerror="alert(1)"> & co',
    text: 'Open <b>this</b>: https://tasks.example/v?a=1&b=2. Or "javascript:alert(1)" — https://x.example/path)',
    html: '<p onclick="alert(1)">Hi</p><script>alert(2)</script><a href="https://tasks.example/v">go</a>',
    sentAt: ID_TIME,
  };
  const page = renderOutboxPage([hostile]);

  it("escapes the subject, recipient and text, and makes only http(s) links clickable", () => {
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>this</b>");
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co");
    expect(page).toContain('<a href="https://tasks.example/v?a=1&amp;b=2">');
    expect(page).toContain('<a href="https://x.example/path">https://x.example/path</a>)');
    expect(page).not.toContain('href="javascript:');
  });

  it("shows the HTML part only inside a sandboxed frame, escaped into srcdoc", () => {
    const frames = page.match(/<iframe [^>]*>/g) ?? [];
    expect(frames).toHaveLength(1);
    const frame = frames[0] as string;
    expect(frame).toContain('sandbox="allow-popups allow-popups-to-escape-sandbox"');
    expect(frame).not.toContain("allow-scripts");
    expect(frame).not.toContain("<script>");
    expect(frame).toContain('srcdoc="&lt;base target=&quot;_blank&quot;&gt;&lt;p onclick=&quot;');
    expect(page.match(/<script/g)).toBeNull();
  });

  it("is a labelled document with a heading per message and machine-readable times", () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain("<title>Local outbox (1 message)</title>");
    expect(page).toContain('<article aria-labelledby="message-1">');
    expect(page).toContain('<h2 id="message-1">');
    expect(page).toContain(`<time datetime="${ID_TIME}">2026-03-01 12:00:00 UTC</time>`);
    expect(page).toContain('title="HTML part of &lt;img');
  });

  it("says when there is no mail, and names a message without a subject", () => {
    expect(renderOutboxPage([])).toContain("No mail yet");
    expect(renderOutboxPage([])).toContain("0 messages");
    const untitled = renderOutboxPage([hostile, { ...hostile, subject: "" }]);
    expect(untitled).toContain("2 messages");
    expect(untitled).toContain('<h2 id="message-2">(no subject)</h2>');
  });

  it("links text the way a reader expects", () => {
    expect(linkifyText("no links & <tags>")).toBe("no links &amp; &lt;tags&gt;");
    expect(linkifyText("(see http://a.example/x.)")).toBe(
      '(see <a href="http://a.example/x">http://a.example/x</a>.)',
    );
  });
});

describe("the /_dev/mail routes", () => {
  const call = (path: string, init?: RequestInit) =>
    createOutboxRoutes(dataDir)(new Request(`${ORIGIN}${path}`, init));

  beforeEach(async () => {
    const sender = createOutboxMailSender(dataDir, { now: steppingClock() });
    await sender.send(VERIFY);
    await sender.send(RESET);
  });

  it("GET /_dev/mail.json lists the messages newest first", async () => {
    const response = await call("/_dev/mail.json");
    expect(response?.status).toBe(200);
    expect(response?.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response?.headers.get("cache-control")).toBe("no-store");
    const body = (await response?.json()) as { messages: OutboxMessage[] };
    expect(body.messages.map((message) => message.to)).toEqual([RESET.to, VERIFY.to]);
    expect(Object.keys(body.messages[0] ?? {}).sort()).toEqual(
      ["html", "id", "kind", "sentAt", "subject", "text", "to"].sort(),
    );
  });

  it("?to= keeps one recipient's messages, whatever the case", async () => {
    const body = (await (await call("/_dev/mail.json?to=ERIN@example.com"))?.json()) as {
      messages: OutboxMessage[];
    };
    expect(body.messages.map((message) => message.kind)).toEqual(["verify-email"]);
  });

  it("GET /_dev/mail is the page, with a policy that runs no script", async () => {
    const response = await call("/_dev/mail");
    expect(response?.status).toBe(200);
    expect(response?.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response?.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response?.headers.get("referrer-policy")).toBe("no-referrer");
    const html = (await response?.text()) ?? "";
    expect(html).toContain("2 messages");
    expect(html.indexOf(RESET.subject)).toBeLessThan(html.indexOf(VERIFY.subject));
  });

  it("answers HEAD without a body and other methods with 405", async () => {
    const head = await call("/_dev/mail.json", { method: "HEAD" });
    expect(head?.status).toBe(200);
    expect(await head?.text()).toBe("");
    const post = await call("/_dev/mail", { method: "POST", body: "{}" });
    expect(post?.status).toBe(405);
    expect(post?.headers.get("allow")).toBe("GET, HEAD");
  });

  it("leaves every other path to the caller", async () => {
    for (const path of ["/", "/_dev/mail/", "/_dev/mail.jsonx", "/api/_dev/mail", "/_dev"]) {
      expect(await call(path)).toBeUndefined();
    }
  });
});

describe("an outbox in a fresh data directory", () => {
  it("creates the mail folder on the first message", async () => {
    const nested = join(dataDir, "not", "yet");
    await mkdir(nested, { recursive: true });
    await createOutboxMailSender(nested).send(VERIFY);
    expect((await listOutbox(nested)).messages).toHaveLength(1);
  });
});
