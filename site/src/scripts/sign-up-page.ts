import { authClient, callAuth } from "./auth-client";
import {
  showAuthFailure,
  skipIfSignedIn,
  validateAuthForm,
  whileBusy,
  wireAuthForm,
} from "./auth-form";
import { leaveTo, PATHS } from "./navigation";

const parts = wireAuthForm("sign-up-form", "new");
skipIfSignedIn();

parts.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (parts.submit.disabled || !validateAuthForm(parts, "new")) return;
  const email = parts.email.value.trim();
  // Better Auth requires a display name; the part before the @ is a sensible default.
  const name = email.split("@")[0] || email;
  const result = await whileBusy(parts.submit, "Creating account…", () =>
    callAuth((fetchOptions) =>
      authClient.signUp.email({ email, password: parts.password.value, name, fetchOptions }),
    ),
  );
  if (result.ok) leaveTo(PATHS.tasks);
  else showAuthFailure(parts, result.failure, "sign-up");
});
