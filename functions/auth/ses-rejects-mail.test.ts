import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type AuthCall,
  createTestAuth,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { captureLogs } from "../../infra/testing/logs";
import { createSesMailSender } from "../mail/ses-mail-sender";

/**
 * docs/operations.md, "SES rejects mail": SES (a local endpoint speaking its HTTP API) refuses
 * every message, and the account flows answer exactly as when mail goes out, while the auth
 * function logs one "mail not sent" line per message, by kind and SES error, never the address.
 */
let ses: Server;
let endpoint: string;
let rejecting = true;
const requests: string[] = [];

beforeAll(async () => {
  ses = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push(Buffer.concat(chunks).toString("utf8"));
      if (!rejecting) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ MessageId: "0100-accepted" }));
        return;
      }
      // What SES answers while the account's sending is paused, or a sandbox recipient is unverified.
      const to = /"ToAddresses":\["([^"]+)"/.exec(requests.at(-1) ?? "")?.[1] ?? "";
      response.writeHead(400, {
        "content-type": "application/json",
        "x-amzn-errortype": "MessageRejected",
      });
      response.end(JSON.stringify({ message: `Email address is not verified: ${to}` }));
    });
  });
  await new Promise<void>((resolve) => ses.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
});
afterAll(async () => {
  ses.closeAllConnections();
  await new Promise<void>((resolve) => ses.close(() => resolve()));
});

describeEachEngine("SES rejecting mail on %s", (database) => {
  const testAuth = createTestAuth(database, {
    mail: {
      send: (message) =>
        createSesMailSender({
          from: "Tasks <no-reply@tasks.example>",
          region: "eu-west-1",
          endpoint,
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret-for-tests" },
          maxAttempts: 1,
        }).send(message),
    },
  });
  let call: AuthCall;
  beforeAll(() => {
    call = testAuth.caller();
  });

  const mailLines = (lines: string[]) =>
    lines
      // The SDK may print a runtime warning of its own; log lines are the JSON ones.
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => String(line.message).startsWith("mail"));

  it("answers sign-up, resend and reset as usual, and logs each refusal without the address", async () => {
    rejecting = true;
    const email = uniqueEmail("ses-rejects");
    const sent = requests.length;
    const { value: answers, lines } = await captureLogs(async () => {
      const signUp = await call("POST", "/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Rejected" },
      });
      const resend = await call("POST", "/send-verification-email", { body: { email } });
      const reset = await call("POST", "/request-password-reset", { body: { email } });
      return { signUp, resend, reset };
    });

    expect(answers.signUp.status).toBe(200);
    const body = (await answers.signUp.json()) as { token: unknown; user: { email: string } };
    expect(body.token).toBeNull();
    expect(body.user.email).toBe(email);
    expect(answers.resend.status).toBe(200);
    expect(await answers.resend.json()).toEqual({ status: true });
    expect(answers.reset.status).toBe(200);
    // SES was asked each time (verification, resend, reset) and refused each time.
    expect(requests.length - sent).toBe(3);
    expect(mailLines(lines)).toEqual(
      ["verify-email", "verify-email", "reset-password"].map((kind) =>
        expect.objectContaining({
          level: "ERROR",
          message: "mail not sent",
          kind,
          error: "MessageRejected",
          status: 400,
        }),
      ),
    );
    const logged = lines.join("\n");
    expect(logged).not.toContain(email);
    expect(logged).not.toContain(email.split("@")[0]);
    expect(logged).not.toContain("not verified");

    // Once SES sends again, "send again" is all a user needs.
    rejecting = false;
    const { value: resent, lines: after } = await captureLogs(() =>
      call("POST", "/send-verification-email", { body: { email } }),
    );
    expect(resent.status).toBe(200);
    expect(mailLines(after)).toEqual([
      expect.objectContaining({ level: "INFO", message: "mail sent", kind: "verify-email" }),
    ]);
  });
});
