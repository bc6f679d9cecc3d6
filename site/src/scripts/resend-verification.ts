/** The resend form of ResendVerification.astro. */
import { authClient, callAuth } from "./auth-client";
import { wireMailRequestForm } from "./mail-request-form";

export function wireResendForm(): void {
  wireMailRequestForm({
    formId: "resend-form",
    noticeId: "resend-notice",
    action: "verify-email",
    request: (email) =>
      callAuth((fetchOptions) => authClient.sendVerificationEmail({ email, fetchOptions })),
    confirmation: (email) =>
      `If ${email} is waiting to be confirmed, a new link is on its way. It works for 24 hours.`,
  });
}
