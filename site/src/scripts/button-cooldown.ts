/**
 * A button that waits out a 429's Retry-After: disabled, its label counting down, then enabled
 * again with its own label. One mechanism for the tasks page's add button and the auth forms.
 */
export const DEFAULT_COOLDOWN_SECONDS = 5;
const MAX_COOLDOWN_SECONDS = 120;

export interface ButtonCooldown {
  /** Starts (or restarts) the wait; a missing Retry-After waits DEFAULT_COOLDOWN_SECONDS. */
  start(seconds: number | null): void;
  readonly active: boolean;
}

export interface CooldownOptions {
  /** The label while waiting, from the seconds left and the button's own label. */
  waiting(secondsLeft: number, label: string): string;
  /** Each second and once at 0, for a message beside the button. */
  onTick?(secondsLeft: number): void;
}

export function createButtonCooldown(
  button: HTMLButtonElement,
  { waiting, onTick }: CooldownOptions,
): ButtonCooldown {
  let timer: ReturnType<typeof setInterval> | null = null;
  let label = "";

  function finish(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    button.textContent = label;
    button.disabled = false;
    onTick?.(0);
  }

  return {
    get active() {
      return timer !== null;
    },
    start(seconds) {
      const wait = Math.min(MAX_COOLDOWN_SECONDS, Math.max(1, seconds ?? DEFAULT_COOLDOWN_SECONDS));
      if (timer === null) label = button.textContent ?? "";
      else clearInterval(timer);
      const until = Date.now() + wait * 1000;
      const show = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0) return finish();
        button.disabled = true;
        button.textContent = waiting(left, label);
        onTick?.(left);
      };
      timer = setInterval(show, 250);
      show();
    },
  };
}
