/**
 * Account page: who is signed in, sign out, the signed-in devices, change of password and of
 * address, and account deletion confirmed by password.
 */
import { wireChangeEmail, wireChangePassword } from "./account-security";
import { authClient, callAuth } from "./auth-client";
import { describeAuthFailure } from "./auth-errors";
import {
  checkedField,
  formShell,
  onValidSubmit,
  requireElement,
  setMessage,
  showAuthFailure,
} from "./auth-form";
import { clearFieldError, setBusy } from "./form-fields";
import {
  forgetSignedIn,
  leaveTo,
  missingSessionReason,
  PATHS,
  redirectToSignIn,
  signInUrl,
} from "./navigation";
import { refreshSessions } from "./session-list";
import { checkPassword } from "./validation";

const loading = requireElement(document, "#account-loading", HTMLElement);
const accountError = requireElement(document, "#account-error", HTMLElement);
const details = requireElement(document, "#account-details", HTMLElement);
const emailOutput = requireElement(document, "#account-email", HTMLElement);
const signOutButton = requireElement(document, "#sign-out", HTMLButtonElement);
const signOutError = requireElement(document, "#sign-out-error", HTMLElement);
const deleteStart = requireElement(document, "#delete-start", HTMLButtonElement);
const deleteCancel = requireElement(document, "#delete-cancel", HTMLButtonElement);
const deleteShell = formShell("delete-form");
const password = checkedField(deleteShell, "password", (value) => checkPassword(value, "existing"));

const account = { email: "", name: "" };

async function showAccount(): Promise<void> {
  const result = await callAuth((fetchOptions) => authClient.getSession({ fetchOptions }));
  if (!result.ok) {
    loading.hidden = true;
    const problem = describeAuthFailure(result.failure, "sign-out", { returnTo: PATHS.account });
    setMessage(accountError, problem.message, problem.link);
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => window.location.reload());
    accountError.append(" ", retry);
    return;
  }
  const user = result.data?.user;
  if (!user) {
    redirectToSignIn(missingSessionReason(), PATHS.account);
    return;
  }
  account.email = user.email;
  account.name = user.name;
  emailOutput.textContent = user.email;
  loading.hidden = true;
  details.hidden = false;
  await refreshSessions();
}

function openDeleteForm(open: boolean): void {
  deleteShell.form.hidden = !open;
  deleteStart.hidden = open;
  deleteStart.setAttribute("aria-expanded", String(open));
  if (open) password.input.focus();
  else {
    password.input.value = "";
    clearFieldError(password.input);
    setMessage(deleteShell.formError, "");
    deleteStart.focus();
  }
}

signOutButton.addEventListener("click", async () => {
  setMessage(signOutError, "");
  setBusy(signOutButton, true, "Signing out…");
  const result = await callAuth((fetchOptions) => authClient.signOut({ fetchOptions }));
  setBusy(signOutButton, false, "Signing out…");
  if (result.ok || result.failure.status === 401) {
    forgetSignedIn();
    leaveTo(signInUrl("signed-out"));
  } else {
    const problem = describeAuthFailure(result.failure, "sign-out", { returnTo: PATHS.account });
    setMessage(signOutError, problem.message, problem.link);
  }
});

deleteStart.addEventListener("click", () => openDeleteForm(true));
deleteCancel.addEventListener("click", () => openDeleteForm(false));
deleteShell.form.addEventListener("keydown", (event) => {
  if (event.key === "Escape") openDeleteForm(false);
});

onValidSubmit(deleteShell, [password], "Deleting…", async () => {
  const result = await callAuth((fetchOptions) =>
    authClient.deleteUser({ password: password.input.value, fetchOptions }),
  );
  if (result.ok) {
    forgetSignedIn();
    leaveTo(`${PATHS.home}?account=deleted`);
  } else
    showAuthFailure(deleteShell, result.failure, "delete-account", { password: password.input });
});

wireChangePassword(() => account);
wireChangeEmail(() => account.email);
void showAccount();
