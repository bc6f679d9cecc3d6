/** Asks for a reset link; the page says the same whether or not the address has an account. */
import { authClient, callAuth } from "./auth-client";
import { checkedField, formShell, onValidSubmit, setMessage, showAuthFailure } from "./auth-form";
import { queryParam } from "./navigation";
import { RESEND_COOLDOWN_MS } from "./resend-verification";
import { checkEmail } from "./validation";

const shell = formShell("forgot-form");
const notice = document.getElementById("forgot-notice");
const email = checkedField(shell, "email", checkEmail);
email.input.value ||= queryParam("email");

onValidSubmit(shell, [email], "Sending…", async () => {
  if (notice) setMessage(notice, "");
  const address = email.input.value.trim();
  const result = await callAuth((fetchOptions) =>
    authClient.requestPasswordReset({ email: address, fetchOptions }),
  );
  if (!result.ok) {
    showAuthFailure(shell, result.failure, "reset-password", { email: email.input });
    return;
  }
  if (notice) {
    setMessage(
      notice,
      `If an account uses ${address}, a link to choose a new password is on its way. It works for one hour.`,
    );
  }
  return RESEND_COOLDOWN_MS;
});
