/**
 * What every account form shares (AuthForm.astro + Field.astro): finding its parts, checks as you
 * type, one submit path with a busy button, and the server's complaint put next to its field.
 */
import { type AuthFailure, authClient } from "./auth-client";
import { type AuthAction, type AuthField, describeAuthFailure } from "./auth-errors";
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

export type { Control } from "./form-fields";
export { control, requireElement, setMessage } from "./form-fields";

export interface FormShell {
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  formError: HTMLElement;
}

/** One field and the check that decides whether it is ready to send. */
export interface CheckedField {
  input: Control;
  check: () => string | null;
}

export function formShell(formId: string): FormShell {
  const form = requireElement(document, `#${formId}`, HTMLFormElement);
  return {
    form,
    submit: requireElement(form, 'button[type="submit"]', HTMLButtonElement),
    formError: requireElement(form, '[data-role="form-error"]', HTMLElement),
  };
}

/** A named control of the form, checked on blur and, once wrong, on every keystroke. */
export function checkedField(
  shell: FormShell,
  name: string,
  check: (value: string) => string | null,
): CheckedField {
  const input = control(shell.form, name);
  const field = { input, check: () => check(input.value) };
  validateAsYouGo(input, field.check);
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
 * should then stay disabled (a quiet cooldown for "send the mail again").
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
    setMessage(shell.formError, "");
    if (!validateAll(fields.map(({ input, check }) => [input, check]))) return;
    setBusy(shell.submit, true, busyLabel);
    let coolDownMs: unknown = 0;
    try {
      coolDownMs = await send();
    } finally {
      setBusy(shell.submit, false, busyLabel);
    }
    if (typeof coolDownMs === "number" && coolDownMs > 0) {
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
  const problem = describeAuthFailure(failure, action);
  for (const input of Object.values(fields)) clearFieldError(input);
  const input = problem.field === "form" ? undefined : fields[problem.field];
  if (!input) {
    setMessage(shell.formError, problem.message);
    shell.submit.focus();
    return;
  }
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
