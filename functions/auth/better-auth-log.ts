import { log } from "../shared/log";

/**
 * Better Auth's logger: its warnings and errors as structured lines, its own message only. Its
 * extra arguments can hold errors with SQL parameters, and its info lines name e-mail addresses
 * ("Sign-up attempt for existing email: …"), so neither is written.
 */
export function logBetterAuth(level: string, message: string): void {
  if (level === "error") log.error("better-auth", { detail: message });
  else if (level === "warn") log.warn("better-auth", { detail: message });
}
