import type { JSONObject } from "k6";
import type { Response } from "k6/http";

/** The response body as a JSON object, or undefined when it is not one. */
export function jsonObject(response: Response): JSONObject | undefined {
  if (typeof response.body !== "string" || response.body === "") return undefined;
  try {
    const value = response.json();
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as JSONObject)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of a body for error messages (never a token: callers pass error bodies). */
export function excerpt(response: Response): string {
  const body = typeof response.body === "string" ? response.body : "";
  const text = body.replace(/\s+/g, " ").slice(0, 200);
  return response.error ? `${response.error} ${text}`.trim() : text;
}

/** Reads a header regardless of how the server cased it (k6 canonicalizes, proxies may not). */
export function header(response: Response, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
