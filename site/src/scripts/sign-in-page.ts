import { authClient, callAuth } from "./auth-client";
import {
  credentialsForm,
  onValidSubmit,
  setMessage,
  showAuthFailure,
  skipIfSignedIn,
} from "./auth-form";
import {
  afterSignIn,
  checkInboxUrl,
  leaveTo,
  queryParam,
  readSignInReason,
  rememberSignedIn,
  signInNotice,
} from "./navigation";

const { shell, email, password } = credentialsForm("sign-in-form", "existing");
const notice = document.getElementById("sign-in-notice");
const search = window.location.search;
const reason = readSignInReason(search);
const next = afterSignIn(search);
if (notice) notice.textContent = signInNotice(search) ?? "";
email.input.value ||= queryParam("email");
if (reason !== "signed-out" && reason !== "password-reset") skipIfSignedIn(next);

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
  if (result.ok) {
    rememberSignedIn();
    leaveTo(next);
  } else if (result.failure.code === "EMAIL_NOT_VERIFIED") showNotVerified(address);
  else {
    showAuthFailure(shell, result.failure, "sign-in", {
      email: email.input,
      password: password.input,
    });
  }
});
