import {
  checkPasswordLength,
  createPasswordEstimator,
  evaluatePassword,
  type PasswordCheck,
  type PasswordEstimator,
  type PasswordOwner,
} from "./password-policy-options";

/**
 * The server's password policy for sign-up, reset and change: 8–128 characters and a zxcvbn
 * score of at least 3, the user's own e-mail and name counting against the password.
 *
 * The estimator is built on the first check that gets past the length rules and then kept for
 * the container's life: a cold start that checks no password never pays for the dictionaries.
 */
let estimator: Promise<PasswordEstimator> | undefined;

/** The shared estimator, loading it on the first call (also to warm it ahead of a check). */
export function loadPasswordEstimator(): Promise<PasswordEstimator> {
  estimator ??= createPasswordEstimator();
  return estimator;
}

export async function checkPasswordStrength(
  password: string,
  owner: PasswordOwner,
): Promise<PasswordCheck> {
  // Too short or too long is known without the dictionaries (and never fed to the estimator).
  const lengthProblem = checkPasswordLength(password);
  if (lengthProblem) return lengthProblem;
  return evaluatePassword(await loadPasswordEstimator(), password, owner);
}

export type { PasswordCheck, PasswordOwner, PasswordProblem } from "./password-policy-options";
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_MIN_SCORE,
} from "./password-policy-options";
