/**
 * After a 429 the add button waits out the server's Retry-After: disabled, counting down
 * ("Wait 5 s"), then enabled again with its own label.
 */
export const DEFAULT_COOLDOWN_SECONDS = 5;
const MAX_COOLDOWN_SECONDS = 120;

export interface AddCooldown {
  start(seconds: number | null): void;
  readonly active: boolean;
}

export function createAddCooldown(
  button: HTMLButtonElement,
  onTick: (secondsLeft: number) => void,
): AddCooldown {
  let timer: ReturnType<typeof setInterval> | null = null;
  let label = "";

  function finish(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    button.textContent = label;
    button.disabled = false;
    onTick(0);
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
        button.textContent = `Wait ${left} s`;
        onTick(left);
      };
      timer = setInterval(show, 250);
      show();
    },
  };
}
