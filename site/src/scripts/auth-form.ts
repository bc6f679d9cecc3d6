/** What the sign-in and sign-up pages share: field wiring, error placement, busy state. */
import { type AuthFailure, authClient } from "./auth-client";
import { type AuthAction, describeAuthFailure } from "./auth-errors";
import {
  type Control,
  clearFieldError,
  control,
  requireElement,
  setBusy,
  setMessage,
  showFieldError,
  validateAll,
  validateAsYouGo,
} from "./form-fields";
import { leaveTo, PATHS } from "./navigation";
import { checkEmail, checkPassword } from "./validation";

export interface AuthFormParts {
  form: HTMLFormElement;
  email: Control;
  password: Control;
  submit: HTMLButtonElement;
  formError: HTMLElement;
}

export function wireAuthForm(formId: string, passwordPurpose: "new" | "existing"): AuthFormParts {
  const form = requireElement(document, `#${formId}`, HTMLFormElement);
  const email = control(form, "email");
  const password = control(form, "password");
  const submit = requireElement(form, 'button[type="submit"]', HTMLButtonElement);
  const formError = requireElement(form, "#form-error", HTMLElement);
  const showPassword = requireElement(form, "#show-password", HTMLInputElement);

  validateAsYouGo(email, () => checkEmail(email.value));
  validateAsYouGo(password, () => checkPassword(password.value, passwordPurpose));
  showPassword.addEventListener("change", () => {
    password.setAttribute("type", showPassword.checked ? "text" : "password");
  });
  return { form, email, password, submit, formError };
}

export function validateAuthForm(parts: AuthFormParts, passwordPurpose: "new" | "existing") {
  setMessage(parts.formError, "");
  return validateAll([
    [parts.email, () => checkEmail(parts.email.value)],
    [parts.password, () => checkPassword(parts.password.value, passwordPurpose)],
  ]);
}

/** Puts the server's complaint next to the field it is about and moves focus there. */
export function showAuthFailure(parts: AuthFormParts, failure: AuthFailure, action: AuthAction) {
  const problem = describeAuthFailure(failure, action);
  clearFieldError(parts.email);
  clearFieldError(parts.password);
  if (problem.field === "form") {
    setMessage(parts.formError, problem.message);
    parts.submit.focus();
    return;
  }
  const input = problem.field === "email" ? parts.email : parts.password;
  showFieldError(input, problem.message);
  input.focus();
}

/** A visitor who is already signed in has nothing to do on these pages. */
export function skipIfSignedIn(): void {
  authClient
    .getSession()
    .then(({ data }) => {
      if (data?.user) leaveTo(PATHS.tasks);
    })
    .catch(() => {
      // No answer: stay and let the visitor sign in.
    });
}

export async function whileBusy<T>(
  button: HTMLButtonElement,
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  setBusy(button, true, label);
  try {
    return await work();
  } finally {
    setBusy(button, false, label);
  }
}
