import { authClient, callAuth } from "./auth-client";
import {
  credentialsForm,
  onValidSubmit,
  setMessage,
  showAuthFailure,
  skipIfSignedIn,
} from "./auth-form";
import { checkInboxUrl, leaveTo, PATHS, readSignInReason, SIGN_IN_MESSAGES } from "./navigation";

const { shell, email, password } = credentialsForm("sign-in-form", "existing");
const notice = document.getElementById("sign-in-notice");
const reason = readSignInReason(window.location.search);
if (notice && reason) notice.textContent = SIGN_IN_MESSAGES[reason];
if (reason !== "signed-out" && reason !== "password-reset") skipIfSignedIn();

/** Not verified yet: say so, and link to the page that sends the link again. */
function showNotVerified(address: string): void {
  setMessage(
    shell.formError,
    "Confirm your e-mail address first: open the link we sent you when you signed up. ",
  );
  const resend = document.createElement("a");
  resend.href = checkInboxUrl(address);
  resend.textContent = "Send the link again";
  shell.formError.append(resend, ".");
  resend.focus();
}

onValidSubmit(shell, [email, password], "Signing in…", async () => {
  const address = email.input.value.trim();
  const result = await callAuth((fetchOptions) =>
    authClient.signIn.email({ email: address, password: password.input.value, fetchOptions }),
  );
  if (result.ok) leaveTo(PATHS.tasks);
  else if (result.failure.code === "EMAIL_NOT_VERIFIED") showNotVerified(address);
  else {
    showAuthFailure(shell, result.failure, "sign-in", {
      email: email.input,
      password: password.input,
    });
  }
});
