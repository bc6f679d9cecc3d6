/**
 * Reads one metric's duration from a `Server-Timing` header, e.g. `verify;dur=0.42` or
 * `verify;desc="jwt";dur=0.42, db;dur=3`. Returns undefined when the metric or its dur is absent.
 */
export function serverTimingDuration(
  headerValue: string | undefined,
  metric: string,
): number | undefined {
  if (!headerValue) return undefined;
  for (const entry of headerValue.split(",")) {
    const [name, ...params] = entry.split(";").map((part) => part.trim());
    if (name !== metric) continue;
    for (const param of params) {
      const match = /^dur\s*=\s*"?(\d+(?:\.\d+)?)"?$/.exec(param);
      if (match?.[1] !== undefined) return Number(match[1]);
    }
    return undefined;
  }
  return undefined;
}
