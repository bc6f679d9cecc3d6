import { decodeJwt } from "jose";
import type { MailSender } from "../mail/mail-port";
import {
  emailChangeNoticeMail,
  emailChangeVerificationMail,
  existingAccountSignUpMail,
  passwordResetMail,
  verificationMail,
} from "../mail/messages";
import { createSafeMailSender } from "../mail/safe-mail-sender";
import { log } from "../shared/log";

/** The product the mails name (the site's own name). */
export const PRODUCT_NAME = "Tasks";

/** The site's pages the mails link to (site pages, not API paths). */
export const MAIL_PAGES = {
  verifyEmail: "/verify-email",
  resetPassword: "/reset-password",
  forgotPassword: "/forgot-password",
  account: "/account",
} as const;

export interface AccountMailSettings {
  sender: MailSender;
  /** The public origin of the site, where the links lead. */
  origin: string;
  verificationExpiresInSeconds: number;
  resetExpiresInSeconds: number;
}

interface MailUser {
  email: string;
}

/**
 * Better Auth's mail callbacks, each composing one message from functions/mail/messages.ts. A
 * send never fails a request: the safe sender logs the failure by kind, without the address.
 */
export function createAccountMail(settings: AccountMailSettings) {
  const sender = createSafeMailSender(settings.sender, log);
  const { origin } = settings;
  const page = (path: string, token?: string) =>
    token === undefined
      ? `${origin}${path}`
      : `${origin}${path}?token=${encodeURIComponent(token)}`;
  const product = { productName: PRODUCT_NAME };

  return {
    /** Sign-up, resend and change of address all come here; the token says which it is. */
    async sendVerificationEmail({ user, token }: { user: MailUser; token: string }) {
      const url = page(MAIL_PAGES.verifyEmail, token);
      const expiresInSeconds = settings.verificationExpiresInSeconds;
      const { updateTo, email } = decodeJwt(token);
      if (typeof updateTo !== "string") {
        await sender.send(verificationMail({ ...product, to: user.email, url, expiresInSeconds }));
        return;
      }
      // A change-of-address token names the address the account has now beside the new one.
      const currentEmail = String(email);
      await sender.send(
        emailChangeVerificationMail({ ...product, to: updateTo, url, expiresInSeconds }),
      );
      await sender.send(
        emailChangeNoticeMail({
          ...product,
          to: currentEmail,
          newEmail: updateTo,
          url: page(MAIL_PAGES.account),
          expiresInSeconds,
        }),
      );
    },

    async sendResetPassword({ user, token }: { user: MailUser; token: string }) {
      await sender.send(
        passwordResetMail({
          ...product,
          to: user.email,
          url: page(MAIL_PAGES.resetPassword, token),
          expiresInSeconds: settings.resetExpiresInSeconds,
        }),
      );
    },

    /** A sign-up with a taken address answers as for a new one; only the owner learns of it. */
    async onExistingUserSignUp({ user }: { user: MailUser }) {
      await sender.send(
        existingAccountSignUpMail({
          ...product,
          to: user.email,
          url: page(MAIL_PAGES.forgotPassword),
          expiresInSeconds: settings.resetExpiresInSeconds,
        }),
      );
    },
  };
}
