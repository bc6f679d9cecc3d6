import { InvalidMailAddress, isMailAddress } from "./mail-address";
import type { MailKind, OutgoingMail } from "./mail-port";

/**
 * The account mails, each with a plain-text and an HTML part built from the same paragraphs:
 * the product, the link, how long it is valid, and what to do when you did not ask for it.
 */

export interface LinkMailInput {
  productName: string;
  /** The recipient's address. */
  to: string;
  /** The link to follow (http or https only). */
  url: string;
  /** How long the link works; stated in the message. */
  expiresInSeconds: number;
}

export interface EmailChangeNoticeInput extends LinkMailInput {
  /** The address the account is moving to. */
  newEmail: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character] as string);
}

/** The link as a normalised absolute URL; anything but http(s) (javascript:, data:) is refused. */
export function mailLink(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("a mail link must be an absolute http(s) URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error("a mail link must be an absolute http(s) URL");
  }
  return parsed.href;
}

/** "1 hour", "24 hours", "15 minutes", "90 seconds". */
export function describeDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error("a link's validity must be a positive whole number of seconds");
  }
  const [count, unit] =
    seconds % 3600 === 0
      ? [seconds / 3600, "hour"]
      : seconds % 60 === 0
        ? [seconds / 60, "minute"]
        : [seconds, "second"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

function productNameOf(value: string): string {
  // One line of text: a newline in configuration must not reshape the subject or the body.
  const name = value.replace(/\s+/g, " ").trim();
  if (!name) throw new Error("the product name must not be empty");
  return name;
}

function recipientOf(value: string): string {
  if (!isMailAddress(value)) throw new InvalidMailAddress("the recipient");
  return value;
}

interface MailContent {
  kind: MailKind;
  to: string;
  productName: string;
  subject: string;
  heading: string;
  /** Paragraphs before the link. */
  intro: string[];
  action: { label: string; url: string };
  /** Paragraphs after the link: its validity, then what to do if you did not ask for it. */
  outro: string[];
}

const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const PARAGRAPH = "margin:0 0 16px;font-size:16px;line-height:1.5";

function renderText(content: MailContent, url: string): string {
  return [
    content.heading,
    "",
    ...content.intro.flatMap((paragraph) => [paragraph, ""]),
    `${content.action.label}:`,
    url,
    "",
    ...content.outro.flatMap((paragraph) => [paragraph, ""]),
    `— ${content.productName}`,
    "",
  ].join("\n");
}

/** The opening lines of an HTML document up to its title, the title escaped. */
export function htmlDocumentStart(title: string): string[] {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
  ];
}

function renderHtml(content: MailContent, url: string): string {
  const paragraph = (text: string, style = PARAGRAPH) =>
    `<p style="${style}">${escapeHtml(text)}</p>`;
  const href = escapeHtml(url);
  return [
    ...htmlDocumentStart(content.subject),
    "</head>",
    `<body style="margin:0;padding:24px;background:#f4f5f7;color:#1f2328;${FONT}">`,
    '<div style="max-width:560px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px">',
    paragraph(content.productName, "margin:0 0 24px;font-size:14px;font-weight:600;color:#57606a"),
    `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3">${escapeHtml(content.heading)}</h1>`,
    ...content.intro.map((text) => paragraph(text)),
    `<p style="margin:24px 0"><a href="${href}" style="display:inline-block;padding:12px 20px;background:#0b57d0;color:#ffffff;border-radius:6px;font-weight:600;text-decoration:none">${escapeHtml(content.action.label)}</a></p>`,
    `<p style="margin:0 0 16px;font-size:14px;line-height:1.5;color:#57606a">If the button does not work, copy this link into your browser:<br><a href="${href}" style="color:#0b57d0;word-break:break-all">${escapeHtml(url)}</a></p>`,
    ...content.outro.map((text) => paragraph(text)),
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function compose(content: MailContent): OutgoingMail {
  const url = mailLink(content.action.url);
  return {
    kind: content.kind,
    to: content.to,
    subject: content.subject,
    text: renderText(content, url),
    html: renderHtml(content, url),
  };
}

/** What a link mail says; everything else (recipient, product, link) comes from its input. */
type LinkMailText = Pick<MailContent, "subject" | "heading" | "intro" | "outro"> & {
  actionLabel: string;
};

/** A mail built around one link, its words given the product name and the link's validity. */
function linkMail(
  kind: MailKind,
  input: LinkMailInput,
  text: (product: string, validFor: string) => LinkMailText,
): OutgoingMail {
  const product = productNameOf(input.productName);
  const { actionLabel, ...words } = text(product, describeDuration(input.expiresInSeconds));
  return compose({
    kind,
    to: recipientOf(input.to),
    productName: product,
    ...words,
    action: { label: actionLabel, url: input.url },
  });
}

/** After sign-up: confirms the address before the first sign-in. */
export function verificationMail(input: LinkMailInput): OutgoingMail {
  return linkMail("verify-email", input, (product, validFor) => ({
    subject: `Confirm your e-mail address for ${product}`,
    heading: "Confirm your e-mail address",
    intro: [
      `Thanks for signing up for ${product}. Confirm that this is your address to finish creating your account and sign in.`,
    ],
    actionLabel: "Confirm my e-mail address",
    outro: [
      `This link is valid for ${validFor} and works once.`,
      `If you did not sign up for ${product}, ignore this message: nobody can sign in with this address until it is confirmed.`,
    ],
  }));
}

/**
 * A sign-up with an address that already has an account: the owner learns of it and gets the
 * way back in (a reset), never a link that would confirm someone else's registration.
 */
export function existingAccountSignUpMail(input: LinkMailInput): OutgoingMail {
  return linkMail("sign-up-existing-account", input, (product, validFor) => ({
    subject: `Someone tried to sign up for ${product} with your address`,
    heading: "You already have an account",
    intro: [
      `Someone just tried to create a ${product} account with this address, which already has one. No new account was created and your password was not changed.`,
      "If it was you and you forgot your password, choose a new one with the link below.",
    ],
    actionLabel: "Reset my password",
    outro: [
      `The page lets you ask for a reset link, which is valid for ${validFor}.`,
      "If you did not try to sign up, ignore this message: your account stays as it is.",
    ],
  }));
}

/** "Forgot password?": a link to choose a new password. */
export function passwordResetMail(input: LinkMailInput): OutgoingMail {
  return linkMail("reset-password", input, (product, validFor) => ({
    subject: `Reset your ${product} password`,
    heading: "Reset your password",
    intro: [
      `Someone asked to reset the password of the ${product} account for this address. Choose a new password with the link below; doing so signs you out on every device.`,
    ],
    actionLabel: "Choose a new password",
    outro: [
      `This link is valid for ${validFor} and works once.`,
      "If you did not ask for this, ignore this message: your password stays as it is.",
    ],
  }));
}

/** Change of e-mail, to the new address: the change takes effect once this is confirmed. */
export function emailChangeVerificationMail(input: LinkMailInput): OutgoingMail {
  return linkMail("change-email-verify", input, (product, validFor) => ({
    subject: `Confirm your new e-mail address for ${product}`,
    heading: "Confirm your new e-mail address",
    intro: [
      `You asked to use this address for your ${product} account. Confirm it to make the change; until then the account keeps its current address.`,
    ],
    actionLabel: "Confirm my new address",
    outro: [
      `This link is valid for ${validFor} and works once.`,
      "If you did not ask for this, ignore this message: this address will not be added to any account.",
    ],
  }));
}

/** Change of e-mail, to the old address: a notice, with the way back if it was not you. */
export function emailChangeNoticeMail(input: EmailChangeNoticeInput): OutgoingMail {
  const product = productNameOf(input.productName);
  const newEmail = recipientOf(input.newEmail);
  return compose({
    kind: "change-email-notice",
    to: recipientOf(input.to),
    productName: product,
    subject: `Your ${product} e-mail address is being changed`,
    heading: "Your e-mail address is being changed",
    intro: [
      `Someone signed in to your ${product} account asked to change its e-mail address from this address to ${newEmail}.`,
      `The change takes effect only once ${newEmail} is confirmed, which can happen within the next ${describeDuration(input.expiresInSeconds)}. If this was you, there is nothing else to do.`,
    ],
    action: { label: "Review my account", url: input.url },
    outro: [
      "If you did not ask for this, someone else may be signed in to your account: sign in now and change your password, which signs out every other device.",
    ],
  });
}
