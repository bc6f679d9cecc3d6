import type { OptionsType, ZxcvbnFactory, ZxcvbnResult } from "@zxcvbn-ts/core";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../shared/profile-limits";

/**
 * The password rules and the strength estimator's setup, shared by the server (which enforces
 * them) and the site (live feedback with the very same estimator). Browser-safe: no Node
 * imports. The estimator and its ~1.6 MB of dictionaries load only through
 * createPasswordEstimator, on first use.
 */

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

/**
 * zxcvbn's score 3 means at least 10^8 guesses: out of reach of an online attack behind the
 * sign-in limits and slow to brute-force offline against scrypt hashes. Score 4 (10^10) would
 * refuse memorable three-word passphrases.
 */
export const PASSWORD_MIN_SCORE = 3;

/** Estimator bounds that keep a check in the tens of milliseconds (see loadPasswordEstimatorOptions). */
export const PASSWORD_L33T_MAX_SUBSTITUTIONS = 10;
export const PASSWORD_ESTIMATED_LENGTH = 64;
/** A password this close (edits) to the owner's address or name is refused outright. */
export const PASSWORD_OWNER_DISTANCE = 2;

export interface PasswordOwner {
  email?: string;
  name?: string;
  /** Words of the site itself (the product name) that make a password guessable too. */
  context?: string[];
}

export type PasswordEstimator = Pick<ZxcvbnFactory, "check">;

export type PasswordProblem = "PASSWORD_TOO_SHORT" | "PASSWORD_TOO_LONG" | "PASSWORD_TOO_WEAK";

export type PasswordCheck =
  | { ok: true }
  | { ok: false; code: PasswordProblem; message: string; suggestions: string[] };

/** The estimator's options: the common and English dictionaries, keyboard graphs, English feedback. */
export async function loadPasswordEstimatorOptions(): Promise<OptionsType> {
  const [common, english] = await Promise.all([
    import("@zxcvbn-ts/language-common"),
    import("@zxcvbn-ts/language-en"),
  ]);
  return {
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
    // Fuzzy matching over whole dictionaries costs 0.5–5 s a check; isCloseToOwner covers the owner.
    useLevenshteinDistance: false,
    // l33t matching dominates (~1 s for 32 characters at 100); 10 keeps the verdicts at ~1/8 the cost.
    l33tMaxSubstitutions: PASSWORD_L33T_MAX_SUBSTITUTIONS,
    // Cost grows with length: only the first 64 characters are judged (a weak prefix still fails).
    maxLength: PASSWORD_ESTIMATED_LENGTH,
  };
}

/** Loads the estimator and its dictionaries (code-split in the site, deferred in the Lambda). */
export async function createPasswordEstimator(): Promise<PasswordEstimator> {
  const [{ ZxcvbnFactory }, options] = await Promise.all([
    import("@zxcvbn-ts/core"),
    loadPasswordEstimatorOptions(),
  ]);
  return new ZxcvbnFactory(options);
}

/**
 * What the estimator should treat as known to an attacker: the address, its local part and the
 * words in it, the domain's name, the name and its words.
 */
export function passwordUserInputs(owner: PasswordOwner): string[] {
  const inputs = new Set<string>();
  const add = (value: string, minLength = 1) => {
    const normalised = value.trim().toLowerCase();
    if (normalised.length >= minLength) inputs.add(normalised);
  };
  const email = owner.email?.trim() ?? "";
  if (email) {
    add(email);
    const at = email.lastIndexOf("@");
    const local = at > 0 ? email.slice(0, at) : email;
    add(local);
    for (const piece of local.split(/[._+-]+/)) add(piece, 3);
    const labels = at > 0 ? email.slice(at + 1).split(".") : [];
    // The registrable name ("example" of mail.example.co.uk), not the top-level domain.
    for (const label of labels.slice(0, -1)) add(label, 3);
  }
  const name = owner.name?.trim() ?? "";
  if (name) {
    add(name);
    const words = name.split(/[\s.,'’_-]+/);
    add(words.join(""));
    for (const word of words) add(word, 3);
  }
  for (const word of owner.context ?? []) add(word, 3);
  return [...inputs];
}

/** The length rules alone: a refusal, or undefined when the length is fine. */
export function checkPasswordLength(password: string): PasswordCheck | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return {
      ok: false,
      code: "PASSWORD_TOO_SHORT",
      message: `This password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`,
      suggestions: [],
    };
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return {
      ok: false,
      code: "PASSWORD_TOO_LONG",
      message: `This password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`,
      suggestions: [],
    };
  }
  return undefined;
}

/** The estimator's full answer (score 0–4, feedback), with the owner's data as known words. */
export function estimatePassword(
  estimator: PasswordEstimator,
  password: string,
  owner: PasswordOwner,
): ZxcvbnResult {
  return estimator.check(password, passwordUserInputs(owner));
}

const FALLBACK_SUGGESTION = "Use a few unrelated words, or a longer mix of characters.";

/** Edit distance, or `limit + 1` as soon as it is known to exceed `limit`. */
export function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return Math.min(previous[b.length] as number, limit + 1);
}

/** The owner's whole address, its local part and the whole name (with and without spaces). */
function ownerIdentities(owner: PasswordOwner): string[] {
  const email = owner.email?.trim().toLowerCase() ?? "";
  const name = owner.name?.trim().toLowerCase() ?? "";
  const at = email.lastIndexOf("@");
  return [email, at > 0 ? email.slice(0, at) : email, name, name.replace(/\s+/g, "")];
}

/** True when the password is the owner's address or name give or take a couple of edits. */
export function isCloseToOwner(password: string, owner: PasswordOwner): boolean {
  const candidate = password.trim().toLowerCase();
  return ownerIdentities(owner).some(
    (identity) =>
      boundedEditDistance(candidate, identity, PASSWORD_OWNER_DISTANCE) <= PASSWORD_OWNER_DISTANCE,
  );
}

/** Length, then strength: the policy the server enforces and the site previews. */
export function evaluatePassword(
  estimator: PasswordEstimator,
  password: string,
  owner: PasswordOwner,
): PasswordCheck {
  const lengthProblem = checkPasswordLength(password);
  if (lengthProblem) return lengthProblem;
  if (isCloseToOwner(password, owner)) {
    return {
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message:
        "This password is too easy to guess. It is too close to your e-mail address or name.",
      suggestions: ["Choose words that have nothing to do with your name or e-mail address."],
    };
  }
  const userInputs = passwordUserInputs(owner);
  const { score, feedback } = estimator.check(password, userInputs);
  if (score < PASSWORD_MIN_SCORE) {
    return {
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message: feedback.warning
        ? `This password is too easy to guess. ${feedback.warning}`
        : "This password is too easy to guess.",
      suggestions: feedback.suggestions.length > 0 ? feedback.suggestions : [FALLBACK_SUGGESTION],
    };
  }
  // zxcvbn scores "smithalice99" 3 despite both names: the rest must be strong on its own.
  const remainder = withoutOwnerWords(password, userInputs);
  if (remainder !== password && estimator.check(remainder, userInputs).score < PASSWORD_MIN_SCORE) {
    return {
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message: "This password is too easy to guess without your e-mail address or name in it.",
      suggestions: ["Choose words that have nothing to do with your name or e-mail address."],
    };
  }
  return { ok: true };
}

/** The password with every owner word of 3+ characters taken out, whatever its case. */
export function withoutOwnerWords(password: string, userInputs: string[]): string {
  const words = userInputs
    .filter((word) => word.length >= 3)
    .sort((a, b) => b.length - a.length)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return password;
  return password.replace(new RegExp(words.join("|"), "giu"), "");
}
