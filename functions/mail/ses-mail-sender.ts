import type { SESv2Client, SESv2ClientConfig, SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { formatMailbox, InvalidMailAddress, isMailAddress, parseMailbox } from "./mail-address";
import type { MailSender, OutgoingMail } from "./mail-port";

/**
 * Amazon SES (API v2 SendEmail, "Simple" content) through the AWS SDK v3 that ships with the
 * Lambda runtime. The SDK stays out of the bundle and is imported on the first send, so a cold
 * start that sends no mail never loads it.
 */
export interface SesMailSettings {
  /** The verified identity to send from: `no-reply@example.com` or `Tasks <no-reply@example.com>`. */
  from: string;
  region: string;
  /** An SES configuration set (event publishing, suppression, dedicated IPs). */
  configurationSetName?: string;
  /** Another SES endpoint (tests send to a local HTTP server). */
  endpoint?: string;
  /** Static credentials (tests); the Lambda's role credentials otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per message, retries included (the SDK's default: 3). */
  maxAttempts?: number;
  /** Deadline for one message, retries included; default 5 000 ms. */
  timeoutMs?: number;
}

export const SES_DEFAULT_TIMEOUT_MS = 5_000;

type SesModule = typeof import("@aws-sdk/client-sesv2");

/** The client's configuration: only what the settings name, the SDK's defaults for the rest. */
export function sesClientConfig(settings: SesMailSettings): SESv2ClientConfig {
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
  };
}

/** The SendEmail request for one message, exported so its shape can be read without the SDK. */
export function sendEmailInput(
  message: OutgoingMail,
  from: string,
  configurationSetName?: string,
): SendEmailCommandInput {
  if (!isMailAddress(message.to)) throw new InvalidMailAddress("the recipient");
  return {
    FromEmailAddress: from,
    Destination: { ToAddresses: [message.to] },
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: "UTF-8" },
        Body: {
          Text: { Data: message.text, Charset: "UTF-8" },
          Html: { Data: message.html, Charset: "UTF-8" },
        },
      },
    },
    // The kind reaches SES event destinations (bounces, complaints) without any address.
    EmailTags: [{ Name: "kind", Value: message.kind }],
    ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
  };
}

export function createSesMailSender(settings: SesMailSettings): MailSender {
  // SES wants a non-ASCII display name as RFC 2047 encoded words, on one line.
  const from = formatMailbox(parseMailbox(settings.from), " ");
  const timeoutMs = settings.timeoutMs ?? SES_DEFAULT_TIMEOUT_MS;
  let client: Promise<{ sdk: SesModule; client: SESv2Client }> | undefined;

  function connect(): Promise<{ sdk: SesModule; client: SESv2Client }> {
    client ??= import("@aws-sdk/client-sesv2").then((sdk) => ({
      sdk,
      client: new sdk.SESv2Client(sesClientConfig(settings)),
    }));
    return client;
  }

  return {
    async send(message) {
      const input = sendEmailInput(message, from, settings.configurationSetName);
      const { sdk, client: ses } = await connect();
      await ses.send(new sdk.SendEmailCommand(input), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
    },
  };
}
