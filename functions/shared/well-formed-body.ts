import type { Context, Env, MiddlewareHandler } from "hono";

// Hono and Better Auth decode bodies leniently and would store U+FFFD; this answers 400 instead.

/** The bodies the apps parse as text: JSON (matched as better-call does) and forms. */
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded/i;

export interface MalformedText {
  /** Dotted path of the field whose name or value is malformed; "" for the body as a whole. */
  field: string;
  problem: "invalid_utf8" | "unpaired_surrogate";
}

/** Longest field path reported back; a deeply nested body must not echo a huge one. */
const MAX_FIELD_PATH = 200;

function joinPath(parent: string, key: string): string {
  // Only a cut path is longer than the limit (by its marker): it stays as it is.
  if (parent.length > MAX_FIELD_PATH) return parent;
  // A reported name must itself be well-formed text.
  const name = key.toWellFormed();
  const joined = parent === "" ? name : `${parent}.${name}`;
  if (joined.length <= MAX_FIELD_PATH) return joined;
  // Cutting can leave half a surrogate pair at the end: toWellFormed turns it into U+FFFD.
  return `${joined.slice(0, MAX_FIELD_PATH).toWellFormed()}…`;
}

/** Walks parsed JSON without recursion, so a deeply nested body cannot exhaust the stack. */
function findUnpairedSurrogate(root: unknown): MalformedText | undefined {
  const pending: { value: unknown; path: string }[] = [{ value: root, path: "" }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === "string") {
      if (!value.isWellFormed()) return { field: path, problem: "unpaired_surrogate" };
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        pending.push({ value: item, path: joinPath(path, String(index)) });
      });
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        const itemPath = joinPath(path, key);
        if (!key.isWellFormed()) return { field: itemPath, problem: "unpaired_surrogate" };
        pending.push({ value: item, path: itemPath });
      }
    }
  }
  return undefined;
}

/** decodeURIComponent throws on percent-encoded bytes that are not UTF-8 (surrogates included). */
function findMalformedFormField(text: string): MalformedText | undefined {
  for (const pair of text.split("&")) {
    const separator = pair.indexOf("=");
    const [name, value] =
      separator < 0 ? [pair, ""] : [pair.slice(0, separator), pair.slice(separator + 1)];
    let decodedName: string;
    try {
      decodedName = decodeURIComponent(name.replaceAll("+", " "));
    } catch {
      return { field: "", problem: "invalid_utf8" };
    }
    try {
      decodeURIComponent(value.replaceAll("+", " "));
    } catch {
      return { field: decodedName, problem: "invalid_utf8" };
    }
  }
  return undefined;
}

/** What is malformed in a body of this content type, or undefined when it is well-formed text. */
export function findMalformedText(
  bytes: Uint8Array,
  contentType: string,
): MalformedText | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { field: "", problem: "invalid_utf8" };
  }
  if (FORM_TYPE.test(contentType)) return findMalformedFormField(text);
  // Strictly decoded UTF-8 is well-formed; only a JSON \u escape can add a lone surrogate.
  if (!JSON_TYPE.test(contentType) || !text.includes("\\u")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON at all: each app answers that in its own words.
    return undefined;
  }
  return findUnpairedSurrogate(parsed);
}

/** Reads a clone, so Better Auth still gets the body; `onMalformed` answers in the app's shape. */
export function requireWellFormedText<E extends Env>(
  onMalformed: (c: Context<E>, malformed: MalformedText) => Response | Promise<Response>,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const contentType = c.req.header("content-type") ?? "";
    if (!c.req.raw.body || !(JSON_TYPE.test(contentType) || FORM_TYPE.test(contentType))) {
      return next();
    }
    const bytes = new Uint8Array(await c.req.raw.clone().arrayBuffer());
    const malformed = findMalformedText(bytes, contentType);
    if (malformed) return onMalformed(c, malformed);
    return next();
  };
}
