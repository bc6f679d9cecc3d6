/**
 * What every account form shares (AuthForm.astro + Field.astro): finding its parts, checks as you
 * type, one submit path with a busy button, and the server's complaint put next to its field.
 */
import { type AuthFailure, authClient } from "./auth-client";
import {
  type AuthAction,
  type AuthField,
  describeAuthFailure,
  retryAfterSeconds,
} from "./auth-errors";
import * as formFields from "./form-fields";
import { leaveTo, PATHS } from "./navigation";

import { checkEmail, checkPassword } from "./validation";

type Control = formFields.Control;

export { control, requireElement, setMessage } from "./form-fields";
export type { Control };

export interface FormShell {
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  formError: HTMLElement;
  /** Seconds the server asked to wait (a 429), shown on the submit button once the call ends. */
  retryAfterSeconds: number;
}

/** One field and the check that decides whether it is ready to send. */
export interface CheckedField {
  input: Control;
  check: () => string | null;
}

export function formShell(formId: string): FormShell {
  const form = formFields.requireElement(document, `#${formId}`, HTMLFormElement);
  return {
    form,
    submit: formFields.requireElement(form, 'button[type="submit"]', HTMLButtonElement),
    formError: formFields.requireElement(form, '[data-role="form-error"]', HTMLElement),
    retryAfterSeconds: 0,
  };
}

/** A named control of the form, checked on blur and, once wrong, on every keystroke. */
export function checkedField(
  shell: FormShell,
  name: string,
  check: (value: string) => string | null,
): CheckedField {
  const input = formFields.control(shell.form, name);
  const field = { input, check: () => check(input.value) };
  formFields.validateAsYouGo(input, field.check);
  return field;
}

/** Every "show password" switch inside the form shows or hides the input it names. */
function wireShowPassword(form: HTMLFormElement): void {
  for (const toggle of form.querySelectorAll<HTMLInputElement>("input[data-show-password]")) {
    const input = document.getElementById(toggle.dataset.showPassword ?? "");
    toggle.addEventListener("change", () => {
      input?.setAttribute("type", toggle.checked ? "text" : "password");
    });
  }
}

/**
 * Runs `send` when every field passes its check, with the submit button busy meanwhile; a second
 * submit while one is running is ignored. `send` may answer how many milliseconds the button
 * should then stay disabled (a quiet cooldown for "send the mail again"); after a 429 the button
 * stays disabled for as long as the server asked, counting down.
 */
export function onValidSubmit(
  shell: FormShell,
  fields: CheckedField[],
  busyLabel: string,
  send: () => Promise<unknown>,
): void {
  wireShowPassword(shell.form);
  shell.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (shell.submit.disabled) return;
    formFields.setMessage(shell.formError, "");
    if (!formFields.validateAll(fields.map(({ input, check }) => [input, check]))) return;
    formFields.setBusy(shell.submit, true, busyLabel);
    let coolDownMs: unknown = 0;
    try {
      coolDownMs = await send();
    } finally {
      formFields.setBusy(shell.submit, false, busyLabel);
    }
    const wait = shell.retryAfterSeconds;
    shell.retryAfterSeconds = 0;
    if (wait > 0) formFields.holdButton(shell.submit, wait);
    else if (typeof coolDownMs === "number" && coolDownMs > 0) {
      shell.submit.disabled = true;
      window.setTimeout(() => {
        shell.submit.disabled = false;
      }, coolDownMs);
    }
  });
}

/** Puts the server's complaint next to the field it is about (or above the form) and focuses it. */
export function showAuthFailure(
  shell: FormShell,
  failure: AuthFailure,
  action: AuthAction,
  fields: Partial<Record<AuthField, Control>>,
): void {
  const email = fields.email?.value.trim();
  const problem = describeAuthFailure(failure, action, {
    ...(email ? { email } : {}),
    returnTo: window.location.pathname,
  });
  if (failure.status === 429) shell.retryAfterSeconds = retryAfterSeconds(failure);
  for (const input of Object.values(fields)) formFields.clearFieldError(input);
  const input = problem.field === "form" ? undefined : fields[problem.field];
  if (!input) {
    formFields.setMessage(shell.formError, problem.message, problem.link);
    shell.submit.focus();
    return;
  }
  formFields.showServerError(input, problem.message, problem.link);
  input.focus();
}

/** The e-mail and password of the sign-in and sign-up forms. */
export function credentialsForm(formId: string, purpose: "new" | "existing") {
  const shell = formShell(formId);
  return {
    shell,
    email: checkedField(shell, "email", checkEmail),
    password: checkedField(shell, "password", (value) => checkPassword(value, purpose)),
  };
}

/** A visitor who is already signed in has nothing to do on these pages: on to `destination`. */
export function skipIfSignedIn(destination: string = PATHS.tasks): void {
  authClient
    .getSession()
    .then(({ data }) => {
      if (data?.user) leaveTo(destination);
    })
    .catch(() => {
      // No answer: stay and let the visitor sign in.
    });
}
