import { authClient, callAuth } from "./auth-client";
import { credentialsForm, onValidSubmit, showAuthFailure, skipIfSignedIn } from "./auth-form";
import { checkInboxUrl, leaveTo, PATHS, rememberSignedIn } from "./navigation";
import { attachStrengthFeedback } from "./password-strength";

const { shell, email, password } = credentialsForm("sign-up-form", "new");
skipIfSignedIn();

/** Names are 1–100 characters on the server (NAME_TOO_LONG beyond). */
const NAME_MAX_LENGTH = 100;

/** Better Auth requires a display name; the part before the @ is a sensible default. */
function nameFor(address: string): string {
  return Array.from(address.split("@")[0] || address)
    .slice(0, NAME_MAX_LENGTH)
    .join("");
}

const owner = () => {
  const address = email.input.value.trim();
  return { email: address, name: nameFor(address) };
};
const strength = attachStrengthFeedback(password.input, owner);
email.input.addEventListener("input", () => strength.refresh());

onValidSubmit(shell, [email, password], "Creating account…", async () => {
  const { email: address, name } = owner();
  const result = await callAuth((fetchOptions) =>
    authClient.signUp.email({ email: address, password: password.input.value, name, fetchOptions }),
  );
  // With verification on (the default) there is no session yet, for a new and a taken address
  // alike: the next step is in the inbox. A stage without verification signs in at once.
  if (result.ok && result.data?.token) {
    rememberSignedIn();
    leaveTo(PATHS.tasks);
  } else if (result.ok) leaveTo(checkInboxUrl(address));
  else {
    showAuthFailure(shell, result.failure, "sign-up", {
      email: email.input,
      "new-password": password.input,
    });
  }
});
