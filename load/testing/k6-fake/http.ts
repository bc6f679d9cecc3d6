/**
 * `k6/http` as k6's runtime (v1.8, lib/netext/httpext and js/modules/k6/http) shapes it, not as
 * @types/k6 declares it: response cookies carry Go's field names in snake_case (`http_only`,
 * `max_age`, with Go's Max-Age convention: 0 when absent, -1 for `Max-Age=0`) and `expires` in Unix
 * ms (Go's zero time when absent); headers are canonicalized and multiple values joined with ", ";
 * every Set-Cookie lands in the request's jar (its `jar` param, else the VU's), which drops a cookie
 * whose Max-Age is ≤ 0 or whose Expires has passed, and keeps Secure cookies off http:// URLs.
 * One origin is served, so the jar leaves domain and path matching out. Redirects are not followed:
 * no flow the scripts run redirects.
 */
import { type RawResponse, runtime } from "./runtime";

/** Go's zero time.Time in Unix milliseconds: what k6 reports for a cookie without Expires. */
const GO_ZERO_TIME_MS = -6_795_364_578_871;

/** One entry of `response.cookies[name]`, field for field as k6 gives it. */
export interface K6ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  http_only: boolean;
  secure: boolean;
  max_age: number;
  expires: number;
}

export function parseSetCookie(line: string): K6ResponseCookie | undefined {
  const [pair = "", ...attributes] = line.split(";");
  const equals = pair.indexOf("=");
  if (equals <= 0) return undefined;
  const cookie: K6ResponseCookie = {
    name: pair.slice(0, equals).trim(),
    value: pair.slice(equals + 1).trim(),
    domain: "",
    path: "",
    http_only: false,
    secure: false,
    max_age: 0,
    expires: GO_ZERO_TIME_MS,
  };
  for (const attribute of attributes) {
    const [rawKey = "", ...rest] = attribute.split("=");
    const key = rawKey.trim().toLowerCase();
    const value = rest.join("=").trim();
    if (key === "domain") cookie.domain = value;
    else if (key === "path") cookie.path = value;
    else if (key === "httponly") cookie.http_only = true;
    else if (key === "secure") cookie.secure = true;
    else if (key === "max-age" && /^-?\d+$/.test(value)) {
      const seconds = Number(value);
      cookie.max_age = seconds <= 0 ? -1 : seconds;
    } else if (key === "expires" && !Number.isNaN(Date.parse(value))) {
      cookie.expires = Date.parse(value);
    }
  }
  return cookie;
}

interface StoredCookie {
  value: string;
  secure: boolean;
  expiresAt?: number;
}

export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Stores a cookie as Go's net/http/cookiejar does, or deletes it when it is already expired. */
  store(cookie: K6ResponseCookie, now = Date.now()): void {
    const expiresAt =
      cookie.max_age !== 0
        ? now + cookie.max_age * 1000
        : cookie.expires !== GO_ZERO_TIME_MS
          ? cookie.expires
          : undefined;
    if (expiresAt !== undefined && expiresAt <= now) {
      this.#cookies.delete(cookie.name);
      return;
    }
    this.#cookies.set(cookie.name, {
      value: cookie.value,
      secure: cookie.secure,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
  }

  cookiesForURL(url: string): Record<string, string[]> {
    const https = url.startsWith("https:");
    const now = Date.now();
    const found: Record<string, string[]> = {};
    for (const [name, cookie] of this.#cookies) {
      if (cookie.secure && !https) continue;
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) continue;
      found[name] = [cookie.value];
    }
    return found;
  }

  set(_url: string, name: string, value: string): boolean {
    this.#cookies.set(name, { value, secure: false });
    return true;
  }

  clear(_url: string): void {
    this.#cookies.clear();
  }

  delete(_url: string, name: string): void {
    this.#cookies.delete(name);
  }
}

export function cookieJar(): CookieJar {
  const current = runtime();
  current.vuJar ??= new CookieJar();
  return current.vuJar as CookieJar;
}

interface ExpectedStatuses {
  accepts(status: number): boolean;
}

type StatusRange = number | { min: number; max: number };

export function expectedStatuses(...statuses: StatusRange[]): ExpectedStatuses {
  return {
    accepts: (status) =>
      statuses.some((entry) =>
        typeof entry === "number" ? entry === status : status >= entry.min && status <= entry.max,
      ),
  };
}

interface Params {
  headers?: Record<string, string>;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
  jar?: CookieJar;
  tags?: Record<string, string>;
  responseCallback?: ExpectedStatuses;
}

/** Go's textproto.CanonicalMIMEHeaderKey: `server-timing` → `Server-Timing`. */
function canonicalHeader(name: string): string {
  return name
    .toLowerCase()
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("-");
}

function requestCookieHeader(url: string, jar: CookieJar, params: Params): string | undefined {
  const pairs = new Map<string, string[]>();
  for (const [name, values] of Object.entries(jar.cookiesForURL(url))) pairs.set(name, values);
  for (const [name, given] of Object.entries(params.cookies ?? {})) {
    const value = typeof given === "string" ? given : given.value;
    const replace = typeof given !== "string" && given.replace === true;
    pairs.set(name, replace ? [value] : [...(pairs.get(name) ?? []), value]);
  }
  const header = [...pairs].flatMap(([name, values]) => values.map((v) => `${name}=${v}`));
  return header.length > 0 ? header.join("; ") : undefined;
}

function toResponse(raw: RawResponse, jar: CookieJar) {
  const headers: Record<string, string> = {};
  const cookies: Record<string, K6ResponseCookie[]> = {};
  for (const [name, value] of raw.headers) {
    const key = canonicalHeader(name);
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    if (key !== "Set-Cookie") continue;
    const cookie = parseSetCookie(value);
    if (!cookie) continue;
    cookies[cookie.name] = [...(cookies[cookie.name] ?? []), cookie];
    jar.store(cookie);
  }
  return {
    status: raw.status,
    url: raw.url,
    headers,
    cookies,
    body: raw.body,
    error: "",
    error_code: 0,
    json: (): unknown => JSON.parse(raw.body),
  };
}

export function request(method: string, url: string, body?: string | null, params: Params = {}) {
  const current = runtime();
  if (!current.send) throw new Error("k6/http: this test runs no server for the fake to call");
  const jar = params.jar ?? cookieJar();
  const headers: Record<string, string> = { ...params.headers };
  const cookie = requestCookieHeader(url, jar, params);
  if (cookie) headers.Cookie = cookie;
  const raw = current.send({
    method,
    url,
    headers,
    ...(typeof body === "string" ? { body } : {}),
  });
  const response = toResponse(raw, jar);
  const accepts = params.responseCallback?.accepts ?? ((s: number) => s >= 200 && s < 400);
  current.requests.push({
    method,
    url,
    status: raw.status,
    expected: accepts(raw.status),
    ...(params.tags?.name ? { name: params.tags.name } : {}),
  });
  return response;
}

export default {
  CookieJar,
  cookieJar,
  expectedStatuses,
  request,
  get: (url: string, params?: Params) => request("GET", url, null, params),
  post: (url: string, body?: string | null, params?: Params) => request("POST", url, body, params),
  patch: (url: string, body?: string | null, params?: Params) =>
    request("PATCH", url, body, params),
  del: (url: string, body?: string | null, params?: Params) => request("DELETE", url, body, params),
};
