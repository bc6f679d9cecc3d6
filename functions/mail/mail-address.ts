/**
 * Mailbox parsing and header encoding shared by the SES adapter and the local outbox, so both
 * accept the same `from` setting and refuse the same malformed addresses.
 */

export interface Mailbox {
  /** The display name, e.g. "Tasks" in `Tasks <no-reply@example.com>`. */
  name?: string;
  address: string;
}

// Plain on purpose: no whitespace, brackets, quotes or separators that could smuggle a recipient.
const ADDRESS = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+$/;
const NAME_AND_ADDRESS = /^(.*?)\s*<([^<>]*)>$/s;
// Header-unsafe: control characters (CR and LF above all).
const CONTROL = /\p{Cc}/u;

export class InvalidMailAddress extends Error {
  constructor(what: string) {
    super(`${what} is not a single e-mail address`);
    this.name = "InvalidMailAddress";
  }
}

export function isMailAddress(value: string): boolean {
  return ADDRESS.test(value) && !CONTROL.test(value);
}

/** `addr` or `Name <addr>` (the name may be quoted); throws InvalidMailAddress otherwise. */
export function parseMailbox(value: string, what = "the sender"): Mailbox {
  const trimmed = value.trim();
  const match = NAME_AND_ADDRESS.exec(trimmed);
  const address = (match?.[2] ?? trimmed).trim();
  if (!isMailAddress(address)) throw new InvalidMailAddress(what);
  const rawName = match?.[1]?.trim() ?? "";
  const name = rawName.replace(/^"(.*)"$/s, "$1").replace(/\\(.)/g, "$1");
  if (CONTROL.test(name)) throw new InvalidMailAddress(what);
  return name ? { name, address } : { address };
}

/** Printable ASCII only: a header value that needs no RFC 2047 encoding. */
export function isPlainAscii(value: string): boolean {
  return /^[\u0020-\u007e]*$/.test(value);
}

const WORD_PREFIX = "=?UTF-8?B?";
const WORD_SUFFIX = "?=";
// RFC 2047 caps lines with encoded words at 76: 36 bytes make 60 characters, "Subject: " fits.
const WORD_MAX_BYTES = 36;

/**
 * RFC 2047 "B" encoded words for a header value that is not plain ASCII, split between (never
 * inside) characters; `separator` is "\r\n " to fold a header, " " where a single line is needed.
 */
export function encodeHeaderValue(value: string, separator = "\r\n "): string {
  if (isPlainAscii(value)) return value;
  const words: string[] = [];
  let chunk = "";
  for (const character of value) {
    if (Buffer.byteLength(chunk + character) > WORD_MAX_BYTES) {
      words.push(chunk);
      chunk = "";
    }
    chunk += character;
  }
  words.push(chunk);
  return words
    .map((word) => `${WORD_PREFIX}${Buffer.from(word).toString("base64")}${WORD_SUFFIX}`)
    .join(separator);
}

/** A mailbox as a header value: the name encoded or quoted as it needs, then `<addr>`. */
export function formatMailbox(mailbox: Mailbox, separator = "\r\n "): string {
  if (!mailbox.name) return mailbox.address;
  const name = isPlainAscii(mailbox.name)
    ? /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(mailbox.name)
      ? mailbox.name
      : `"${mailbox.name.replace(/(["\\])/g, "\\$1")}"`
    : encodeHeaderValue(mailbox.name, separator);
  return `${name} <${mailbox.address}>`;
}
