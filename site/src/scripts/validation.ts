/** Client-side checks on the server's own limits, so most mistakes never leave the page. */
import {
  EMAIL_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from "../../../functions/shared/profile-limits";

export { EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

// Deliberately loose: one @, something on both sides, a dot in the domain. The server decides.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(value: string): string | null {
  const email = value.trim();
  if (email.length === 0) return "Enter your e-mail address.";
  if (email.length > EMAIL_MAX_LENGTH) {
    return `Use at most ${EMAIL_MAX_LENGTH} characters for the address (${email.length} now).`;
  }
  if (!EMAIL_SHAPE.test(email)) return "Enter a valid e-mail address, like name@example.com.";
  return null;
}

/** New passwords must meet the length rules; an existing one only has to be present. */
export function checkPassword(value: string, purpose: "new" | "existing"): string | null {
  if (value.length === 0) return "Enter your password.";
  if (purpose === "existing") return null;
  if (value.length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters (${value.length} so far).`;
  }
  if (value.length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  return null;
}

/** Lengths count Unicode code points, as the API and PostgreSQL do (an emoji is one). */
function characters(value: string): number {
  return Array.from(value).length;
}

export function checkTaskTitle(value: string, max: number): string | null {
  const length = characters(value.trim());
  if (length === 0) return "Give the task a title.";
  if (length > max) return `Use at most ${max} characters for the title (${length} now).`;
  return null;
}

export function checkTaskDescription(value: string, max: number): string | null {
  const length = characters(value.trim());
  if (length > max) {
    return `Use at most ${max} characters for the description (${length} now).`;
  }
  return null;
}
