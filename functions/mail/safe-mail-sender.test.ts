import { describe, expect, it } from "vitest";
import type { LogFields } from "../shared/log";
import type { MailSender, OutgoingMail } from "./mail-port";
import { createSafeMailSender, describeMailError, type MailLog } from "./safe-mail-sender";

const MAIL: OutgoingMail = {
  kind: "reset-password",
  to: "carol.secret@example.org",
  subject: "Reset your Tasks password",
  text: "text",
  html: "<p>html</p>",
};

function recordingLog() {
  const lines: { level: string; msg: string; fields: LogFields | undefined }[] = [];
  const logger: MailLog = {
    info: (msg, fields) => lines.push({ level: "info", msg, fields }),
    error: (msg, fields) => lines.push({ level: "error", msg, fields }),
  };
  return { lines, logger };
}

class SmtpLikeError extends Error {
  readonly code = "EMESSAGE";
}

describe("createSafeMailSender", () => {
  it("passes the message through unchanged and logs the kind and duration only", async () => {
    const sent: OutgoingMail[] = [];
    const { lines, logger } = recordingLog();
    const sender = createSafeMailSender({ send: async (m) => void sent.push(m) }, logger);
    await sender.send(MAIL);
    expect(sent).toEqual([MAIL]);
    expect(lines).toEqual([
      {
        level: "info",
        msg: "mail sent",
        fields: { kind: "reset-password", durationMs: expect.any(Number) },
      },
    ]);
  });

  it.each<[string, () => Promise<void>, Record<string, unknown>]>([
    [
      "a rejected promise",
      async () => {
        throw new SmtpLikeError(`mailbox ${MAIL.to} is full`);
      },
      { error: "SmtpLikeError", code: "EMESSAGE" },
    ],
    [
      "a synchronous throw",
      () => {
        throw new TypeError(`cannot send to ${MAIL.to}`);
      },
      { error: "TypeError" },
    ],
    ["a thrown string", () => Promise.reject(`refused ${MAIL.to}`), { error: "string" }],
    ["a thrown null", () => Promise.reject(null), { error: "object" }],
  ])("swallows %s and logs it without the address", async (_, send, expected) => {
    const { lines, logger } = recordingLog();
    const failing: MailSender = { send };
    await expect(createSafeMailSender(failing, logger).send(MAIL)).resolves.toBeUndefined();
    expect(lines).toEqual([
      {
        level: "error",
        msg: "mail not sent",
        fields: { kind: "reset-password", durationMs: expect.any(Number), ...expected },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain("carol.secret");
  });
});

describe("describeMailError", () => {
  it("adds an SDK error's name when it differs from its class, and its HTTP status", () => {
    const error = Object.assign(new Error("The following identities failed: x@y.example"), {
      name: "MessageRejected",
      $metadata: { httpStatusCode: 400 },
    });
    expect(describeMailError(error)).toEqual({
      error: "Error",
      name: "MessageRejected",
      status: 400,
    });
  });

  it("leaves out a name equal to the class and a status that is not a number", () => {
    const error = Object.assign(new RangeError("x@y.example"), {
      $metadata: { httpStatusCode: "400" },
    });
    error.name = "RangeError";
    expect(describeMailError(error)).toEqual({ error: "RangeError" });
    expect(describeMailError(undefined)).toEqual({ error: "undefined" });
  });
});
