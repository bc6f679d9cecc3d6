/**
 * Run settings, read once in the init context from `k6 run -e NAME=value` (or the environment).
 * Every setting has a default so `k6 run load/<script>.ts` works against `npm start` as is; a bad
 * value stops the run before any request with a message that names the setting.
 */
const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

export function readString(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value.trim() === "" ? fallback : value.trim();
}

export function readNumber(
  name: string,
  fallback: number,
  limits: { min: number; max?: number; integer?: boolean },
): number {
  const raw = __ENV[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  const tooBig = limits.max !== undefined && value > limits.max;
  if (!Number.isFinite(value) || value < limits.min || tooBig) {
    const range = limits.max === undefined ? `>= ${limits.min}` : `${limits.min}–${limits.max}`;
    throw new Error(`${name} must be a number ${range}, got "${raw}"`);
  }
  if (limits.integer && !Number.isInteger(value)) {
    throw new Error(`${name} must be a whole number, got "${raw}"`);
  }
  return value;
}

/** A k6 duration such as "50s", "2m" or "1m30s". */
export function readDuration(name: string, fallback: string): string {
  const value = readString(name, fallback);
  if (!DURATION_PATTERN.test(value)) {
    throw new Error(`${name} must be a duration such as 30s, 2m or 1m30s, got "${value}"`);
  }
  return value;
}

export function readBoolean(name: string, fallback: boolean): boolean {
  const value = readString(name, fallback ? "true" : "false").toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function readBaseUrl(): string {
  const value = readString("BASE_URL", "http://127.0.0.1:3000").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(value)) {
    throw new Error(
      `BASE_URL must be an http(s) origin such as https://dxxxx.cloudfront.net, got "${value}"`,
    );
  }
  return value;
}

/** The origin that serves the site and the API (`/api/...`). */
export const BASE_URL = readBaseUrl();
export const API_URL = `${BASE_URL}/api`;

/** Trend statistics kept in the summary; thresholds on p(99) need it listed here. */
export const SUMMARY_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

/**
 * Scenario sizing for an open-loop (constant-arrival-rate) run of `rate` iterations per second.
 * `atLeast` raises the default pre-allocation, e.g. to one VU per user when each VU acts as one.
 */
export function arrivalRateVus(
  rate: number,
  atLeast = 0,
): { preAllocatedVUs: number; maxVUs: number } {
  const preAllocatedVUs = readNumber("VUS", Math.max(5, Math.ceil(rate / 4), atLeast), {
    min: 1,
    integer: true,
  });
  const maxVUs = readNumber("MAX_VUS", Math.max(preAllocatedVUs, 50, rate * 2), {
    min: preAllocatedVUs,
    integer: true,
  });
  return { preAllocatedVUs, maxVUs };
}
