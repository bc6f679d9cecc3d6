/**
 * Inline validation for forms built with Field.astro: each control has an error element with id
 * `<control id>-error`, referenced by aria-describedby and announced through aria-live.
 */
import { createButtonCooldown } from "./button-cooldown";

export type Control = HTMLInputElement | HTMLTextAreaElement;

export function requireElement<T extends Element>(
  root: ParentNode,
  selector: string,
  type: new () => T,
): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`The page is missing ${selector}`);
  return element;
}

export function control(form: HTMLFormElement, name: string): Control {
  const element = form.elements.namedItem(name);
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) return element;
  throw new Error(`The form is missing the field ${name}`);
}

function errorElement(input: Control): HTMLElement | null {
  return input.id ? document.getElementById(`${input.id}-error`) : null;
}

export function showFieldError(
  input: Control,
  message: string,
  link?: { text: string; href: string },
): void {
  input.setAttribute("aria-invalid", "true");
  const error = errorElement(input);
  if (error) setMessage(error, message, link);
}

/**
 * The server's complaint about a field stays until the value changes: leaving the field (or
 * clicking the link in the message) does not re-check it away.
 */
export function showServerError(
  input: Control,
  message: string,
  link?: { text: string; href: string },
): void {
  showFieldError(input, message, link);
  input.dataset.serverError = input.value;
}

export function clearFieldError(input: Control): void {
  delete input.dataset.serverError;
  input.removeAttribute("aria-invalid");
  const error = errorElement(input);
  if (error) error.textContent = "";
}

/** Shows or clears a field's error; returns whether the field is valid. */
export function applyCheck(input: Control, problem: string | null): boolean {
  if (problem) showFieldError(input, problem);
  else clearFieldError(input);
  return problem === null;
}

/**
 * Validates on blur (once the user has left the field) and again on every keystroke after a
 * field has shown an error, so the message disappears as soon as the input is fixed.
 */
export function validateAsYouGo(input: Control, check: () => string | null): void {
  input.addEventListener("blur", () => {
    if (input.dataset.serverError === input.value) return;
    if (input.value !== "" || input.getAttribute("aria-invalid") === "true") {
      applyCheck(input, check());
    }
  });
  input.addEventListener("input", () => {
    if (input.getAttribute("aria-invalid") === "true") applyCheck(input, check());
  });
}

/** Runs every check, focuses the first failing field and returns whether all passed. */
export function validateAll(checks: ReadonlyArray<[Control, () => string | null]>): boolean {
  let firstInvalid: Control | null = null;
  for (const [input, check] of checks) {
    if (!applyCheck(input, check()) && !firstInvalid) firstInvalid = input;
  }
  firstInvalid?.focus();
  return firstInvalid === null;
}

/** Shows a message (cleared with ""), with an optional link to what to do instead after it. */
export function setMessage(
  element: HTMLElement,
  message: string,
  link?: { text: string; href: string },
): void {
  element.textContent = message;
  if (!link) return;
  const anchor = document.createElement("a");
  anchor.href = link.href;
  anchor.textContent = link.text;
  element.append(" ", anchor, ".");
}

/** Disables a button for `seconds`, counting down in its label, then gives it back. */
export function holdButton(button: HTMLButtonElement, seconds: number): void {
  createButtonCooldown(button, {
    waiting: (secondsLeft, label) => `${label} (wait ${secondsLeft} s)`,
  }).start(seconds);
}

/** Marks a submit button busy while a request runs; the form keeps everything typed. */
export function setBusy(button: HTMLButtonElement, busy: boolean, busyLabel: string): void {
  if (busy) {
    button.dataset.label ??= button.textContent ?? "";
    button.textContent = busyLabel;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
  } else {
    button.textContent = button.dataset.label ?? button.textContent;
    button.removeAttribute("aria-busy");
    button.disabled = false;
  }
}
