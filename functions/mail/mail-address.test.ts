import { describe, expect, it } from "vitest";
import {
  encodeHeaderValue,
  formatMailbox,
  InvalidMailAddress,
  isMailAddress,
  isPlainAscii,
  parseMailbox,
} from "./mail-address";

/** Decodes what encodeHeaderValue writes (one charset, "B" encoding), to check the round trip. */
function decodeWords(value: string): string {
  const bytes = [...value.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)].map((match) =>
    Buffer.from(match[1] ?? "", "base64"),
  );
  return Buffer.concat(bytes).toString("utf8");
}

describe("mail addresses", () => {
  it.each(["a@b.example", "first.last+tag@sub.example.co.uk", "o'brien@example.ie"])(
    "accepts %s",
    (address) => {
      expect(isMailAddress(address)).toBe(true);
    },
  );

  it.each([
    "",
    "plain",
    "a@b@c",
    "a b@c.example",
    "a@b.example, c@d.example",
    "a@b.example;c@d.example",
    "<a@b.example>",
    "a@b.example\r\nBcc: c@d.example",
    "a@b.example\u0000",
  ])("refuses %j", (address) => {
    expect(isMailAddress(address)).toBe(false);
  });

  it("parses a bare address, a name and a quoted name with escapes", () => {
    expect(parseMailbox("  no-reply@tasks.example ")).toEqual({
      address: "no-reply@tasks.example",
    });
    expect(parseMailbox("Tasks <no-reply@tasks.example>")).toEqual({
      name: "Tasks",
      address: "no-reply@tasks.example",
    });
    expect(parseMailbox('"Tasks \\"Team\\", Inc" <no-reply@tasks.example>')).toEqual({
      name: 'Tasks "Team", Inc',
      address: "no-reply@tasks.example",
    });
    expect(parseMailbox("<no-reply@tasks.example>")).toEqual({ address: "no-reply@tasks.example" });
  });

  it("refuses a malformed mailbox, naming what it was", () => {
    expect(() => parseMailbox("Tasks <not-an-address>")).toThrow(InvalidMailAddress);
    expect(() => parseMailbox("Tasks")).toThrow("the sender is not a single e-mail address");
    expect(() => parseMailbox("Ta\nsks <a@b.example>", "MAIL_FROM")).toThrow(
      "MAIL_FROM is not a single e-mail address",
    );
  });

  it("formats a name as an atom, a quoted string or encoded words as it needs", () => {
    expect(formatMailbox({ address: "a@b.example" })).toBe("a@b.example");
    expect(formatMailbox({ name: "Tasks Team", address: "a@b.example" })).toBe(
      "Tasks Team <a@b.example>",
    );
    expect(formatMailbox({ name: 'Tasks, "Inc"', address: "a@b.example" })).toBe(
      '"Tasks, \\"Inc\\"" <a@b.example>',
    );
    const encoded = formatMailbox({ name: "Tâches", address: "a@b.example" });
    expect(encoded).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <a@b\.example>$/);
    expect(decodeWords(encoded)).toBe("Tâches");
  });
});

describe("RFC 2047 header encoding", () => {
  it("leaves plain ASCII alone", () => {
    expect(isPlainAscii("Reset your Tasks password")).toBe(true);
    expect(encodeHeaderValue("Reset your Tasks password")).toBe("Reset your Tasks password");
  });

  it("splits long values into words of at most 75 characters, between characters", () => {
    const subject = `Bestätigen Sie Ihre E-Mail-Adresse für Aufgaben 🗂️ ${"é".repeat(40)}`;
    const folded = encodeHeaderValue(subject);
    const words = folded.split("\r\n ");
    expect(words.length).toBeGreaterThan(2);
    for (const word of words) {
      expect(word.length).toBeLessThanOrEqual(75);
      // Each word decodes on its own: no character is cut in two.
      expect(decodeWords(word)).not.toContain("\ufffd");
    }
    expect(decodeWords(folded)).toBe(subject);
    expect(encodeHeaderValue(subject, " ")).toBe(words.join(" "));
  });
});
