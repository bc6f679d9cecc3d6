import { describeError, type LogFields } from "../shared/log";
import type { MailSender, OutgoingMail } from "./mail-port";

/** The part of functions/shared/log.ts the wrapper writes to. */
export interface MailLog {
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * What may be logged about a failed send: the error's class and code, the name and HTTP status
 * an AWS SDK error carries — never its message, which can quote the recipient's address.
 */
export function describeMailError(error: unknown): Record<string, string | number> {
  const fields: Record<string, string | number> = describeError(error);
  const details = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const { name } = details;
  // A subclass that never set its name still says "Error": only a telling name is added.
  if (typeof name === "string" && name !== fields.error && name !== "Error") fields.name = name;
  const status = details.$metadata?.httpStatusCode;
  if (typeof status === "number") fields.status = status;
  return fields;
}

/**
 * A sender that never rejects: a failure is logged by kind (no address, subject or body) and
 * swallowed, so what the client is told never depends on whether mail could be sent.
 */
export function createSafeMailSender(sender: MailSender, logger: MailLog): MailSender {
  return {
    async send(message: OutgoingMail) {
      const startedAt = performance.now();
      try {
        await sender.send(message);
        logger.info("mail sent", {
          kind: message.kind,
          durationMs: Math.round(performance.now() - startedAt),
        });
      } catch (error) {
        logger.error("mail not sent", {
          kind: message.kind,
          durationMs: Math.round(performance.now() - startedAt),
          ...describeMailError(error),
        });
      }
    },
  };
}
