/** Account page: who is signed in, sign out, and account deletion confirmed by password. */
import { authClient, callAuth } from "./auth-client";
import { describeAuthFailure } from "./auth-errors";
import {
  clearFieldError,
  control,
  requireElement,
  setBusy,
  setMessage,
  showFieldError,
  validateAll,
  validateAsYouGo,
} from "./form-fields";
import { leaveTo, PATHS, signInUrl } from "./navigation";
import { checkPassword } from "./validation";

const loading = requireElement(document, "#account-loading", HTMLElement);
const accountError = requireElement(document, "#account-error", HTMLElement);
const details = requireElement(document, "#account-details", HTMLElement);
const emailOutput = requireElement(document, "#account-email", HTMLElement);
const signOutButton = requireElement(document, "#sign-out", HTMLButtonElement);
const signOutError = requireElement(document, "#sign-out-error", HTMLElement);
const deleteStart = requireElement(document, "#delete-start", HTMLButtonElement);
const deleteForm = requireElement(document, "#delete-form", HTMLFormElement);
const deleteCancel = requireElement(document, "#delete-cancel", HTMLButtonElement);
const deleteSubmit = requireElement(deleteForm, 'button[type="submit"]', HTMLButtonElement);
const deleteError = requireElement(deleteForm, "#form-error", HTMLElement);
const password = control(deleteForm, "password");

async function showAccount(): Promise<void> {
  const result = await callAuth((fetchOptions) => authClient.getSession({ fetchOptions }));
  if (!result.ok) {
    loading.hidden = true;
    setMessage(accountError, describeAuthFailure(result.failure, "sign-out").message);
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
    leaveTo(signInUrl("sign-in-required"));
    return;
  }
  emailOutput.textContent = user.email;
  loading.hidden = true;
  details.hidden = false;
}

function openDeleteForm(open: boolean): void {
  deleteForm.hidden = !open;
  deleteStart.hidden = open;
  deleteStart.setAttribute("aria-expanded", String(open));
  if (open) password.focus();
  else {
    password.value = "";
    clearFieldError(password);
    setMessage(deleteError, "");
    deleteStart.focus();
  }
}

signOutButton.addEventListener("click", async () => {
  setMessage(signOutError, "");
  setBusy(signOutButton, true, "Signing out…");
  const result = await callAuth((fetchOptions) => authClient.signOut({ fetchOptions }));
  setBusy(signOutButton, false, "Signing out…");
  if (result.ok || result.failure.status === 401) leaveTo(signInUrl("signed-out"));
  else setMessage(signOutError, describeAuthFailure(result.failure, "sign-out").message);
});

deleteStart.addEventListener("click", () => openDeleteForm(true));
deleteCancel.addEventListener("click", () => openDeleteForm(false));
deleteForm.addEventListener("keydown", (event) => {
  if (event.key === "Escape") openDeleteForm(false);
});
validateAsYouGo(password, () => checkPassword(password.value, "existing"));

deleteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  setMessage(deleteError, "");
  if (deleteSubmit.disabled) return;
  if (!validateAll([[password, () => checkPassword(password.value, "existing")]])) return;
  setBusy(deleteSubmit, true, "Deleting…");
  const result = await callAuth((fetchOptions) =>
    authClient.deleteUser({ password: password.value, fetchOptions }),
  );
  setBusy(deleteSubmit, false, "Deleting…");
  if (result.ok) {
    leaveTo(`${PATHS.home}?account=deleted`);
    return;
  }
  const problem = describeAuthFailure(result.failure, "delete-account");
  if (problem.field === "password") {
    showFieldError(password, problem.message);
    password.focus();
  } else {
    setMessage(deleteError, problem.message);
  }
});

void showAccount();
