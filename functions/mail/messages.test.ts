import { describe, expect, it } from "vitest";
import type { OutgoingMail } from "./mail-port";
import {
  describeDuration,
  emailChangeNoticeMail,
  emailChangeVerificationMail,
  escapeHtml,
  existingAccountSignUpMail,
  mailLink,
  passwordResetMail,
  verificationMail,
} from "./messages";

const LINK = {
  productName: "Tasks",
  to: "dana@example.com",
  url: "https://tasks.example/api/auth/verify-email?token=t0k3n&callbackURL=%2Ftasks",
  expiresInSeconds: 86_400,
};

/** The text an HTML part shows, roughly: tags dropped and the five escapes undone. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

const TEMPLATES: [string, OutgoingMail, { kind: string; validity: string; ignore: RegExp }][] = [
  [
    "verification",
    verificationMail(LINK),
    { kind: "verify-email", validity: "24 hours", ignore: /did not sign up for Tasks, ignore/ },
  ],
  [
    "sign-up with an existing address",
    existingAccountSignUpMail({ ...LINK, expiresInSeconds: 3_600 }),
    {
      kind: "sign-up-existing-account",
      validity: "1 hour",
      ignore: /did not try to sign up, ignore/,
    },
  ],
  [
    "password reset",
    passwordResetMail({ ...LINK, expiresInSeconds: 3_600 }),
    { kind: "reset-password", validity: "1 hour", ignore: /did not ask for this, ignore/ },
  ],
  [
    "e-mail change (new address)",
    emailChangeVerificationMail(LINK),
    { kind: "change-email-verify", validity: "24 hours", ignore: /did not ask for this, ignore/ },
  ],
  [
    "e-mail change (old address)",
    emailChangeNoticeMail({
      ...LINK,
      url: "https://tasks.example/account",
      newEmail: "new@example.com",
    }),
    {
      kind: "change-email-notice",
      validity: "24 hours",
      ignore: /did not ask for this, .*change your password/,
    },
  ],
];

describe.each(TEMPLATES)("the %s mail", (_, mail, expected) => {
  const url = mail.kind === "change-email-notice" ? "https://tasks.example/account" : LINK.url;

  it("is addressed, tagged and names the product in the subject", () => {
    expect(mail.kind).toBe(expected.kind);
    expect(mail.to).toBe("dana@example.com");
    expect(mail.subject).toContain("Tasks");
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it("has a plain-text part with the product, the link, its validity and what to do otherwise", () => {
    expect(mail.text).toContain("Tasks");
    expect(mail.text.split("\n")).toContain(url);
    expect(mail.text).toContain(expected.validity);
    expect(mail.text).toMatch(expected.ignore);
    expect(mail.text).not.toMatch(/<[a-z]/i);
  });

  it("has an HTML part saying the same, with the link escaped in href and text", () => {
    expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(mail.html).toContain(`href="${escapeHtml(url)}"`);
    if (url.includes("&")) expect(mail.html).not.toContain(`href="${url}"`);
    const shown = visibleText(mail.html);
    expect(shown).toContain("Tasks");
    expect(shown).toContain(url);
    expect(shown).toContain(expected.validity);
    expect(shown).toMatch(expected.ignore);
  });
});

describe("escaping and links", () => {
  const hostile = "<script>alert(\"x\")</script> & 'co'";

  it("escapes the product name and addresses everywhere in the HTML part", () => {
    const mail = emailChangeNoticeMail({
      ...LINK,
      productName: hostile,
      newEmail: "o'neil+b@example.com",
    });
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;",
    );
    expect(mail.html).toContain("o&#39;neil+b@example.com");
    // The text part is plain text: shown as written.
    expect(mail.text).toContain(hostile);
  });

  it("keeps a product name with line breaks on one line", () => {
    const mail = passwordResetMail({ ...LINK, productName: "Tasks\r\nBcc: x@y.example" });
    expect(mail.subject).toBe("Reset your Tasks Bcc: x@y.example password");
  });

  it("escapes a link's quotes and ampersands so it cannot leave its attribute", () => {
    const mail = verificationMail({ ...LINK, url: 'https://tasks.example/v?a=1&b="><img src=x>' });
    expect(mail.html).not.toContain("<img");
    expect(mail.html).toContain("a=1&amp;b=%22%3E%3Cimg%20src=x%3E");
  });

  it.each([
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "mailto:dana@example.com",
    "/relative/path",
    "not a url",
  ])("refuses the link %s", (url) => {
    expect(() => verificationMail({ ...LINK, url })).toThrow("absolute http(s) URL");
    expect(() => mailLink(url)).toThrow();
  });

  it("accepts http for the local stack and normalises the URL", () => {
    expect(mailLink("http://127.0.0.1:3000/verify?token=a b")).toBe(
      "http://127.0.0.1:3000/verify?token=a%20b",
    );
  });

  it("refuses an empty product name and a malformed recipient or new address", () => {
    expect(() => verificationMail({ ...LINK, productName: "  \n " })).toThrow("product name");
    expect(() => passwordResetMail({ ...LINK, to: "a@b.example, c@d.example" })).toThrow(
      "the recipient",
    );
    expect(() => emailChangeNoticeMail({ ...LINK, newEmail: "nope" })).toThrow("the recipient");
  });
});

describe("describeDuration", () => {
  it.each([
    [3_600, "1 hour"],
    [86_400, "24 hours"],
    [900, "15 minutes"],
    [60, "1 minute"],
    [90, "90 seconds"],
    [1, "1 second"],
  ])("%i s is %s", (seconds, text) => {
    expect(describeDuration(seconds)).toBe(text);
  });

  it.each([0, -60, 1.5, Number.NaN])("refuses %d", (seconds) => {
    expect(() => describeDuration(seconds)).toThrow("positive whole number");
  });
});
