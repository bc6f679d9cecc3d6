/** Asks for a reset link; the page says the same whether or not the address has an account. */
import { authClient, callAuth } from "./auth-client";
import { wireMailRequestForm } from "./mail-request-form";

wireMailRequestForm({
  formId: "forgot-form",
  noticeId: "forgot-notice",
  action: "reset-password",
  request: (email) =>
    callAuth((fetchOptions) => authClient.requestPasswordReset({ email, fetchOptions })),
  confirmation: (email) =>
    `If an account uses ${email}, a link to choose a new password is on its way. It works for one hour.`,
});
