/**
 * Enough of npm's range grammar to check `engines.node` fields against a Node.js version:
 * `||` alternatives of space-separated comparators (`>=`, `>`, `<=`, `<`, `=`, `^`, `~`, bare
 * and partial versions such as `20` or `14.x`, `*`). Prerelease tags are not used by any
 * engines field in the tree and are refused rather than guessed at.
 */
export type Version = readonly [major: number, minor: number, patch: number];

export function parseVersion(text: string): Version {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`not a plain version: "${text}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A partial version: `20` → [20], `14.17` → [14, 17], `x`/`*` parts end it. */
function parsePartial(text: string): number[] {
  const parts: number[] = [];
  for (const part of text.replace(/^v/, "").split(".")) {
    if (part === "x" || part === "X" || part === "*") break;
    if (!/^\d+$/.test(part)) throw new Error(`unsupported version "${text}"`);
    parts.push(Number(part));
  }
  if (parts.length > 3) throw new Error(`unsupported version "${text}"`);
  return parts;
}

const padded = (parts: number[]): Version => [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];

/** The first version after every version that starts with `parts` (`20.3` → 20.4.0). */
function after(parts: number[]): Version {
  if (parts.length === 0) return [Number.POSITIVE_INFINITY, 0, 0];
  const next = [...parts];
  next[next.length - 1] = (next[next.length - 1] as number) + 1;
  return padded(next);
}

function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator);
  if (!match) throw new Error(`unsupported comparator "${comparator}"`);
  const [, operator = "", operand = ""] = match;
  const parts = parsePartial(operand);
  const low = padded(parts);
  const cmp = compareVersions(version, low);
  switch (operator) {
    case ">=":
      return cmp >= 0;
    case ">":
      return compareVersions(version, after(parts)) >= 0;
    case "<":
      return cmp < 0;
    case "<=":
      return compareVersions(version, after(parts)) < 0;
    case "^": {
      // ^20.3.0 → <21.0.0; ^0.4.1 → <0.5.0; ^0.0.3 → <0.0.4.
      const significant = parts.findIndex((part) => part !== 0);
      const keep = significant === -1 ? parts.length : significant + 1;
      return cmp >= 0 && compareVersions(version, after(parts.slice(0, keep))) < 0;
    }
    case "~":
      return (
        cmp >= 0 &&
        compareVersions(version, after(parts.slice(0, Math.max(1, Math.min(2, parts.length))))) < 0
      );
    default:
      // A bare (possibly partial) version: every version that starts with it.
      return cmp >= 0 && compareVersions(version, after(parts)) < 0;
  }
}

/** Whether `version` is inside the npm range `range`. */
export function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((set) => {
    const comparators = set
      .trim()
      // ">= 20" is one comparator: close the gap after an operator.
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter((comparator) => comparator !== "");
    if (comparators.some((comparator) => comparator.includes("-"))) {
      throw new Error(`hyphen ranges and prereleases are not supported: "${range}"`);
    }
    return comparators.every(
      (comparator) => comparator === "*" || satisfiesComparator(version, comparator),
    );
  });
}
