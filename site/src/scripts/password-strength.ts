/**
 * Live strength feedback for a new password with the estimator and policy the server enforces
 * (functions/auth/password-policy-options.ts). The policy and its dictionaries are a separate
 * chunk, fetched on the first focus or keystroke, so a page load never pays for them.
 */
import type { PasswordOwner } from "../../../functions/auth/password-policy-options";
import type { Control } from "./form-fields";

interface Verdict {
  /** 0–4, as zxcvbn scores; capped at 2 when the policy refuses the password. */
  score: number;
  ok: boolean;
  text: string;
}

type Judge = (password: string, owner: PasswordOwner) => Verdict;

/** Feedback waits for a pause in typing, so screen readers hear a verdict, not every keystroke. */
const SETTLE_MS = 250;
const REFUSED_SCORE_CAP = 2;

let judge: Promise<Judge> | undefined;

function loadJudge(): Promise<Judge> {
  judge ??= import("../../../functions/auth/password-policy-options").then(async (policy) => {
    const estimator = await policy.createPasswordEstimator();
    return (password, owner) => {
      const check = policy.evaluatePassword(estimator, password, owner);
      const tooLong = password.length > policy.PASSWORD_MAX_LENGTH;
      const score =
        check.ok || check.code === "PASSWORD_TOO_WEAK" || tooLong
          ? policy.estimatePassword(estimator, password, owner).score
          : 0;
      if (check.ok) {
        return { score, ok: true, text: score === 4 ? "Very strong password." : "Strong enough." };
      }
      const hint = check.suggestions[0];
      return {
        score: Math.min(score, REFUSED_SCORE_CAP),
        ok: false,
        text: hint ? `${check.message} ${hint}` : check.message,
      };
    };
  });
  return judge;
}

export interface StrengthFeedback {
  /** Judges the current value again (after the owner's address or name changed). */
  refresh(): void;
}

/** Shows the verdict for `input` in its `[data-strength-for]` element (see PasswordField.astro). */
export function attachStrengthFeedback(
  input: Control,
  owner: () => PasswordOwner,
): StrengthFeedback {
  const output = document.querySelector<HTMLElement>(`[data-strength-for="${input.id}"]`);
  let timer: number | undefined;
  let started = false;

  const show = (verdict: Verdict | null) => {
    if (!output) return;
    output.textContent = verdict?.text ?? "";
    if (verdict) {
      output.dataset.score = String(verdict.score);
      output.dataset.verdict = verdict.ok ? "strong" : "weak";
    } else {
      delete output.dataset.score;
      delete output.dataset.verdict;
    }
  };

  const judgeNow = async () => {
    const password = input.value;
    if (password === "") return show(null);
    try {
      const verdict = (await loadJudge())(password, owner());
      // A slower answer for an older value must not overwrite the newer one.
      if (input.value === password) show(verdict);
    } catch {
      // Without the estimator (offline, blocked chunk) the server's answer still decides.
      show(null);
    }
  };

  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void judgeNow(), SETTLE_MS);
  };

  const start = () => {
    if (started) return;
    started = true;
    void loadJudge().catch(() => undefined);
  };
  input.addEventListener("focus", start);
  input.addEventListener("input", () => {
    start();
    schedule();
  });
  return {
    refresh() {
      if (started && input.value !== "") schedule();
    },
  };
}
