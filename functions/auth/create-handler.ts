import { openDatabase } from "../db/database";
import type { MailSender } from "../mail/mail-port";
import { createSesMailSender } from "../mail/ses-mail-sender";
import { ConfigError } from "../shared/config";
import { createAuthLambda } from "./auth-lambda";
import type { AuthConfig } from "./config";
import { createAuth } from "./create-auth";

export interface AuthHandlerOptions {
  /** The local outbox (npm start, tests); without it, Amazon SES as the config says. */
  mail?: MailSender;
}

/** Deployed mail: SES in the stack's region, from the stage's identity. */
export function sesMailSenderOf(config: AuthConfig): MailSender {
  if (!config.mailSesRegion) {
    throw new ConfigError("the auth function's settings are invalid", [
      "MAIL_SES_REGION is not set (and no other mail sender was given)",
    ]);
  }
  return createSesMailSender({ from: config.mailFrom, region: config.mailSesRegion });
}

/** The auth Lambda for a config: opens the database, then mounts Better Auth behind the adapter. */
export async function createAuthHandler(config: AuthConfig, options: AuthHandlerOptions = {}) {
  const mail = options.mail ?? sesMailSenderOf(config);
  const database = await openDatabase({ url: config.databaseUrl });
  const handler = createAuthLambda(
    createAuth({
      db: database.db,
      secret: config.secret,
      baseURL: config.baseURL,
      // The site and the API share this one origin; nothing else may use the session cookie.
      trustedOrigins: [new URL(config.baseURL).origin],
      issuer: config.issuer,
      audience: config.audience,
      rateLimit: { enabled: config.rateLimit },
      mail,
      emailVerification: config.emailVerification,
    }),
    { originSecrets: [config.originSecret, config.nextOriginSecret] },
  );
  return { handler, close: database.close };
}
