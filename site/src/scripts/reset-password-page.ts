/** The link in a reset mail: a new password, with live feedback; a bad link points to a new one. */
import { authClient, callAuth } from "./auth-client";
import { isBadLink } from "./auth-errors";
import { checkedField, formShell, onValidSubmit, showAuthFailure } from "./auth-form";
import { leaveTo, queryParam, signInUrl } from "./navigation";
import { attachStrengthFeedback } from "./password-strength";
import { checkPassword } from "./validation";

const shell = formShell("reset-form");
const linkError = document.getElementById("link-error");
const password = checkedField(shell, "password", (value) => checkPassword(value, "new"));
attachStrengthFeedback(password.input, () => ({}));
const token = queryParam("token");

function showBadLink(): void {
  if (linkError) linkError.hidden = false;
  shell.form.hidden = true;
}

if (!token) showBadLink();

onValidSubmit(shell, [password], "Saving…", async () => {
  const result = await callAuth((fetchOptions) =>
    authClient.resetPassword({ newPassword: password.input.value, token, fetchOptions }),
  );
  if (result.ok) {
    leaveTo(signInUrl("password-reset"));
    return;
  }
  if (isBadLink(result.failure)) showBadLink();
  else showAuthFailure(shell, result.failure, "reset-password", { "new-password": password.input });
});
