/** The resend form of ResendVerification.astro: the same answer for any address, then a pause. */
import { authClient, callAuth } from "./auth-client";
import { checkedField, formShell, onValidSubmit, setMessage, showAuthFailure } from "./auth-form";
import { queryParam } from "./navigation";
import { checkEmail } from "./validation";

/** The server allows 3 mails a minute per address; the button rests between two of them. */
export const RESEND_COOLDOWN_MS = 20_000;

export function wireResendForm(): void {
  const shell = formShell("resend-form");
  const notice = document.getElementById("resend-notice");
  const email = checkedField(shell, "email", checkEmail);
  email.input.value ||= queryParam("email");

  onValidSubmit(shell, [email], "Sending…", async () => {
    if (notice) setMessage(notice, "");
    const address = email.input.value.trim();
    const result = await callAuth((fetchOptions) =>
      authClient.sendVerificationEmail({ email: address, fetchOptions }),
    );
    if (!result.ok) {
      showAuthFailure(shell, result.failure, "verify-email", { email: email.input });
      return;
    }
    if (notice) {
      setMessage(
        notice,
        `If ${address} is waiting to be confirmed, a new link is on its way. It works for 24 hours.`,
      );
    }
    return RESEND_COOLDOWN_MS;
  });
}
