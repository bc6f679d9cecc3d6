/**
 * The one way mail leaves the product: the auth function builds an OutgoingMail and hands it to
 * a MailSender — Amazon SES when deployed, the local outbox under `npm start` and in tests.
 */

/** What a message is for; logged instead of the address, and kept as a header by the outbox. */
export type MailKind =
  | "verify-email"
  | "sign-up-existing-account"
  | "reset-password"
  | "change-email-verify"
  | "change-email-notice";

export interface OutgoingMail {
  kind: MailKind;
  /** One addr-spec (`someone@example.com`), never a display name or a list. */
  to: string;
  /** One line. */
  subject: string;
  text: string;
  html: string;
}

export interface MailSender {
  /** Resolves once the message is accepted for delivery; rejects when it was not. */
  send(message: OutgoingMail): Promise<void>;
}
