/** The account page's change of password and change of e-mail address. */
import type { PasswordOwner } from "../../../functions/auth/password-policy-options";
import { authClient, callAuth } from "./auth-client";
import { checkedField, formShell, onValidSubmit, setMessage, showAuthFailure } from "./auth-form";
import { attachStrengthFeedback } from "./password-strength";
import { refreshSessions } from "./session-list";
import { checkEmail, checkPassword } from "./validation";

export function wireChangePassword(owner: () => PasswordOwner): void {
  const shell = formShell("password-form");
  const notice = document.getElementById("password-notice");
  const current = checkedField(shell, "currentPassword", (value) =>
    checkPassword(value, "existing"),
  );
  const next = checkedField(shell, "newPassword", (value) => checkPassword(value, "new"));
  attachStrengthFeedback(next.input, owner);

  onValidSubmit(shell, [current, next], "Changing password…", async () => {
    if (notice) setMessage(notice, "");
    const result = await callAuth((fetchOptions) =>
      authClient.changePassword({
        currentPassword: current.input.value,
        newPassword: next.input.value,
        revokeOtherSessions: true,
        fetchOptions,
      }),
    );
    if (!result.ok) {
      showAuthFailure(shell, result.failure, "change-password", {
        password: current.input,
        "new-password": next.input,
      });
      return;
    }
    shell.form.reset();
    next.input.dispatchEvent(new Event("input"));
    if (notice) setMessage(notice, "Your password is changed. Every other device is signed out.");
    await refreshSessions();
  });
}

export function wireChangeEmail(currentEmail: () => string): void {
  const shell = formShell("email-form");
  const notice = document.getElementById("email-notice");
  const email = checkedField(shell, "newEmail", (value) =>
    value.trim().toLowerCase() === currentEmail().toLowerCase()
      ? "That is already your address."
      : checkEmail(value),
  );

  onValidSubmit(shell, [email], "Sending…", async () => {
    if (notice) setMessage(notice, "");
    const newEmail = email.input.value.trim();
    const result = await callAuth((fetchOptions) =>
      authClient.changeEmail({ newEmail, fetchOptions }),
    );
    if (!result.ok) {
      showAuthFailure(shell, result.failure, "change-email", { email: email.input });
      return;
    }
    shell.form.reset();
    if (notice) {
      setMessage(
        notice,
        `We sent a link to ${newEmail}. Your address changes once you open it; until then, sign in with ${currentEmail()}.`,
      );
    }
  });
}
