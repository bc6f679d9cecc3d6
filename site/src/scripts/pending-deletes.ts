/**
 * Deletion with undo: a deleted task disappears at once but the request waits a few seconds.
 * Undo cancels it; leaving the page or deleting another task sends it immediately.
 */
export const UNDO_WINDOW_MS = 6000;

export interface PendingDelete<T> {
  item: T;
  commit: (options: { keepalive: boolean }) => Promise<void>;
}

export interface PendingDeletesEvents<T> {
  /** The undo window opened for this item. */
  onPending(item: T): void;
  /** The request finished (or failed) and the undo window is closed. */
  onSettled(item: T, error: unknown): void;
}

export class PendingDeletes<T> {
  #current: PendingDelete<T> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #paused = false;

  constructor(
    private readonly events: PendingDeletesEvents<T>,
    private readonly windowMs = UNDO_WINDOW_MS,
  ) {}

  get pending(): T | null {
    return this.#current?.item ?? null;
  }

  /** Starts the undo window for `entry`, first sending any delete still waiting. */
  schedule(entry: PendingDelete<T>): void {
    this.flush(false);
    this.#current = entry;
    this.events.onPending(entry.item);
    this.#arm();
  }

  /** Cancels the waiting delete and returns its item, or null when there was none. */
  undo(): T | null {
    const entry = this.#current;
    this.#clearTimer();
    this.#current = null;
    return entry?.item ?? null;
  }

  /** Keeps the undo offer open while the user is looking at it (hover or keyboard focus). */
  pause(paused: boolean): void {
    this.#paused = paused;
    if (paused) this.#clearTimer();
    else if (this.#current) this.#arm();
  }

  /** Sends the waiting delete now; keepalive lets it outlive a page that is unloading. */
  flush(keepalive: boolean): void {
    const entry = this.#current;
    if (!entry) return;
    this.#clearTimer();
    this.#current = null;
    entry.commit({ keepalive }).then(
      () => this.events.onSettled(entry.item, null),
      (error: unknown) => this.events.onSettled(entry.item, error),
    );
  }

  #arm(): void {
    this.#clearTimer();
    if (this.#paused) return;
    this.#timer = setTimeout(() => this.flush(false), this.windowMs);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
