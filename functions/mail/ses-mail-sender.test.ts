import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LogFields } from "../shared/log";
import type { OutgoingMail } from "./mail-port";
import { verificationMail } from "./messages";
import { createSafeMailSender, type MailLog } from "./safe-mail-sender";
import {
  createSesMailSender,
  type SesMailSettings,
  sendEmailInput,
  sesClientConfig,
} from "./ses-mail-sender";

/**
 * The real AWS SDK v3 client talks to a local HTTP server standing in for SES (endpoint
 * override, static fake credentials): what is asserted is the request the SDK puts on the wire.
 */
interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

type Reply = { status: number; headers?: Record<string, string>; body: string } | "hang";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret-for-tests" };
const RECIPIENT = "bob.recipient@example.net";

let server: Server;
let endpoint: string;
let received: Received[] = [];
const SUCCESS: Reply = { status: 200, body: JSON.stringify({ MessageId: "0100-test-message-id" }) };
/** Answers for the next requests, in order; SUCCESS once they run out. */
let replies: Reply[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      received.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: raw ? JSON.parse(raw) : undefined,
      });
      const reply = replies.shift() ?? SUCCESS;
      if (reply === "hang") return;
      response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  replies = [];
});

function settings(overrides: Partial<SesMailSettings> = {}): SesMailSettings {
  return {
    from: "Tasks <no-reply@tasks.example>",
    region: "eu-west-1",
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    ...overrides,
  };
}

function message(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    ...verificationMail({
      productName: "Tasks",
      to: RECIPIENT,
      url: "https://tasks.example/verify?token=abc",
      expiresInSeconds: 86_400,
    }),
    ...overrides,
  };
}

function recordingLog() {
  const lines: { level: "info" | "error"; msg: string; fields: LogFields }[] = [];
  const logger: MailLog = {
    info: (msg, fields = {}) => lines.push({ level: "info", msg, fields }),
    error: (msg, fields = {}) => lines.push({ level: "error", msg, fields }),
  };
  return { lines, logger };
}

describe("SES adapter against a local endpoint", () => {
  it("sends one SESv2 SendEmail request, signed with SigV4 for the ses service", async () => {
    const mail = message({ subject: "Grüße — ünïcödé ✓" });
    await createSesMailSender(settings({ configurationSetName: "tasks-prod" })).send(mail);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v2/email/outbound-emails");
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.body).toEqual({
      FromEmailAddress: "Tasks <no-reply@tasks.example>",
      Destination: { ToAddresses: [RECIPIENT] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: mail.text, Charset: "UTF-8" },
            Html: { Data: mail.html, Charset: "UTF-8" },
          },
        },
      },
      EmailTags: [{ Name: "kind", Value: "verify-email" }],
      ConfigurationSetName: "tasks-prod",
    });
  });

  it("sends a bare address as is, a non-ASCII display name as encoded words, no configuration set unless given", async () => {
    await createSesMailSender(settings({ from: "no-reply@tasks.example" })).send(message());
    await createSesMailSender(settings({ from: '"Tâches" <no-reply@tasks.example>' })).send(
      message(),
    );
    const [bare, named] = received.map((request) => request.body as Record<string, unknown>);
    expect(bare?.FromEmailAddress).toBe("no-reply@tasks.example");
    expect(bare).not.toHaveProperty("ConfigurationSetName");
    expect(named?.FromEmailAddress).toBe(
      `=?UTF-8?B?${Buffer.from("Tâches").toString("base64")}?= <no-reply@tasks.example>`,
    );
  });

  it("loads the SDK once per sender and reuses its client", async () => {
    const sender = createSesMailSender(settings());
    await Promise.all([sender.send(message()), sender.send(message())]);
    await sender.send(message());
    expect(received).toHaveLength(3);
  });

  it("refuses a malformed sender when created and a malformed recipient before any request", async () => {
    expect(() => createSesMailSender(settings({ from: "not an address" }))).toThrow(
      "the sender is not a single e-mail address",
    );
    const sender = createSesMailSender(settings());
    await expect(sender.send(message({ to: "a@b.example, c@d.example" }))).rejects.toThrow(
      "the recipient is not a single e-mail address",
    );
    await expect(sender.send(message({ to: "a@b.example\r\nBcc: c@d.example" }))).rejects.toThrow(
      "the recipient",
    );
    expect(received).toHaveLength(0);
  });

  it("rejects with the SES error, which the safe wrapper logs without the address and swallows", async () => {
    const rejected: Reply = {
      status: 400,
      headers: { "x-amzn-errortype": "MessageRejected" },
      body: JSON.stringify({
        message: `Email address is not verified. The following identities failed the check in region EU-WEST-1: ${RECIPIENT}`,
      }),
    };
    replies = [rejected, rejected];
    const ses = createSesMailSender(settings());
    await expect(ses.send(message())).rejects.toMatchObject({ name: "MessageRejected" });

    const { lines, logger } = recordingLog();
    await expect(createSafeMailSender(ses, logger).send(message())).resolves.toBeUndefined();
    expect(lines).toEqual([
      {
        level: "error",
        msg: "mail not sent",
        fields: {
          kind: "verify-email",
          durationMs: expect.any(Number),
          error: "MessageRejected",
          status: 400,
        },
      },
    ]);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(RECIPIENT);
    expect(logged).not.toContain("bob.recipient");
    expect(logged).not.toContain("identities");
  });

  it("retries a throttled send as the SDK does and succeeds", async () => {
    replies = [
      {
        status: 429,
        headers: { "x-amzn-errortype": "TooManyRequestsException" },
        body: JSON.stringify({ message: "Too many requests" }),
      },
    ];
    await createSesMailSender(settings({ maxAttempts: 2 })).send(message());
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toEqual(received[0]?.body);
  });

  it("gives up at its deadline when SES does not answer; the wrapper logs and resolves", async () => {
    replies = ["hang"];
    const { lines, logger } = recordingLog();
    const sender = createSafeMailSender(createSesMailSender(settings({ timeoutMs: 200 })), logger);
    const startedAt = Date.now();
    await sender.send(message());
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", msg: "mail not sent" });
    expect(lines[0]?.fields).toMatchObject({ kind: "verify-email", name: "AbortError" });
    expect(JSON.stringify(lines)).not.toContain(RECIPIENT);
  });
});

describe("SES client configuration", () => {
  it("names only the region when deployed: the role's credentials, the regional endpoint", () => {
    expect(sesClientConfig({ from: "a@b.example", region: "eu-west-1" })).toEqual({
      region: "eu-west-1",
    });
  });

  it("builds the request without the SDK", () => {
    expect(sendEmailInput(message(), "a@b.example")).not.toHaveProperty("ConfigurationSetName");
  });
});
