/**
 * The list cursor: the (createdAt, id) of the last task on a page, so the next page starts
 * strictly after it in (created_at desc, id desc) order. Opaque to clients (base64url JSON);
 * not signed, because every query is scoped to the caller and a forged cursor can only select
 * a different page of the caller's own tasks.
 */
export interface ListCursor {
  createdAt: Date;
  id: string;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longer than any cursor this module writes; bounds the work spent on a hostile one. */
export const MAX_CURSOR_LENGTH = 128;
/** Tasks are made at now(), so real cursors lie here; PostgreSQL refuses some outside (year 0). */
export const CURSOR_TIME_RANGE = {
  min: Date.UTC(1970, 0, 1),
  max: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
} as const;

export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString(
    "base64url",
  );
}

/** The cursor a client sent back, or undefined when it is not one this API wrote. */
export function decodeListCursor(text: string): ListCursor | undefined {
  if (text.length > MAX_CURSOR_LENGTH || !BASE64URL.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== "string" || !ISO_MILLIS.test(createdAt)) return undefined;
  if (typeof id !== "string" || !UUID.test(id)) return undefined;
  const date = new Date(createdAt);
  // Rejects impossible dates such as 2026-02-31 that the pattern lets through.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) return undefined;
  if (date.getTime() < CURSOR_TIME_RANGE.min || date.getTime() > CURSOR_TIME_RANGE.max) {
    return undefined;
  }
  return { createdAt: date, id: id.toLowerCase() };
}
