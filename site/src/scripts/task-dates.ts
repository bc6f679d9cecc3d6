/**
 * When a task was added, in words that help: "just now", "5 min ago", "today 9:32",
 * "yesterday 18:05", "Nov 28", "Nov 28, 2025". The full date goes in the element's title.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface TaskDate {
  /** Short, relative words for the row. */
  label: string;
  /** The full date and time, for a tooltip and for assistive technology. */
  full: string;
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

export function describeTaskDate(when: Date, now: Date, locale?: string): TaskDate {
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(
    when,
  );
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(when);
  const elapsed = now.getTime() - when.getTime();
  if (elapsed < MINUTE) return { label: "just now", full };
  if (elapsed < HOUR) return { label: `${Math.floor(elapsed / MINUTE)} min ago`, full };
  const days = Math.round((startOfDay(now) - startOfDay(when)) / (24 * HOUR));
  if (days === 0) return { label: `today ${time}`, full };
  if (days === 1) return { label: `yesterday ${time}`, full };
  const sameYear = when.getFullYear() === now.getFullYear();
  const date = new Intl.DateTimeFormat(locale, {
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(when);
  return { label: date, full };
}
