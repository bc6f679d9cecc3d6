/**
 * Deletion with undo: a deleted task disappears at once but its request waits a few seconds.
 * Every delete waits on its own, so several in a row can each be undone; leaving the page sends
 * all of them at once (with keepalive, so they outlive the page).
 */
export const UNDO_WINDOW_MS = 6000;

export interface PendingDelete<T> {
  /** What the delete is about (the task's id): undo and the events name it. */
  key: string;
  item: T;
  commit: (options: { keepalive: boolean }) => Promise<void>;
}

export interface PendingDeletesEvents<T> {
  /** The undo window opened for this item. */
  onPending(key: string, item: T): void;
  /** The request was sent: the undo window for this item is closed. */
  onSent(key: string, item: T): void;
  /** The request finished (error null) or failed. */
  onSettled(key: string, item: T, error: unknown): void;
}

interface Waiting<T> extends PendingDelete<T> {
  timer: ReturnType<typeof setTimeout> | null;
}

export class PendingDeletes<T> {
  /** Oldest first, as they were deleted. */
  readonly #waiting = new Map<string, Waiting<T>>();
  #paused = false;

  constructor(
    private readonly events: PendingDeletesEvents<T>,
    private readonly windowMs = UNDO_WINDOW_MS,
  ) {}

  /** The keys still waiting, oldest first. */
  get keys(): string[] {
    return [...this.#waiting.keys()];
  }

  has(key: string): boolean {
    return this.#waiting.has(key);
  }

  /** Opens the undo window for `entry`; the deletes already waiting keep theirs. */
  schedule(entry: PendingDelete<T>): void {
    if (this.#waiting.has(entry.key)) return;
    const waiting: Waiting<T> = { ...entry, timer: null };
    this.#waiting.set(entry.key, waiting);
    this.events.onPending(entry.key, entry.item);
    this.#arm(waiting);
  }

  /** Cancels the waiting delete of `key` and returns its item, or null when it is not waiting. */
  undo(key: string): T | null {
    const waiting = this.#waiting.get(key);
    if (!waiting) return null;
    this.#disarm(waiting);
    this.#waiting.delete(key);
    return waiting.item;
  }

  /** Keeps every undo offer open while the user is looking at them (hover or keyboard focus). */
  pause(paused: boolean): void {
    this.#paused = paused;
    for (const waiting of this.#waiting.values()) {
      if (paused) this.#disarm(waiting);
      else this.#arm(waiting);
    }
  }

  /** Sends every waiting delete now; keepalive lets them outlive a page that is unloading. */
  flush(keepalive: boolean): void {
    for (const key of this.keys) this.#send(key, keepalive);
  }

  #send(key: string, keepalive: boolean): void {
    const waiting = this.#waiting.get(key);
    if (!waiting) return;
    this.#disarm(waiting);
    this.#waiting.delete(key);
    this.events.onSent(key, waiting.item);
    waiting.commit({ keepalive }).then(
      () => this.events.onSettled(key, waiting.item, null),
      (error: unknown) => this.events.onSettled(key, waiting.item, error),
    );
  }

  #arm(waiting: Waiting<T>): void {
    this.#disarm(waiting);
    if (this.#paused) return;
    waiting.timer = setTimeout(() => this.#send(waiting.key, false), this.windowMs);
  }

  #disarm(waiting: Waiting<T>): void {
    if (waiting.timer !== null) clearTimeout(waiting.timer);
    waiting.timer = null;
  }
}
