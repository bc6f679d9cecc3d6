import { authClient, callAuth } from "./auth-client";
import {
  showAuthFailure,
  skipIfSignedIn,
  validateAuthForm,
  whileBusy,
  wireAuthForm,
} from "./auth-form";
import { leaveTo, PATHS, readSignInReason, SIGN_IN_MESSAGES } from "./navigation";

const parts = wireAuthForm("sign-in-form", "existing");
const notice = document.getElementById("sign-in-notice");
const reason = readSignInReason(window.location.search);
if (notice && reason) notice.textContent = SIGN_IN_MESSAGES[reason];
if (reason !== "signed-out") skipIfSignedIn();

parts.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (parts.submit.disabled || !validateAuthForm(parts, "existing")) return;
  const result = await whileBusy(parts.submit, "Signing in…", () =>
    callAuth((fetchOptions) =>
      authClient.signIn.email({
        email: parts.email.value.trim(),
        password: parts.password.value,
        fetchOptions,
      }),
    ),
  );
  if (result.ok) leaveTo(PATHS.tasks);
  else showAuthFailure(parts, result.failure, "sign-in");
});
