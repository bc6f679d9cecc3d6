/**
 * The state a fake k6 runtime shares between its modules and the test that drives it. The fake
 * modules are bundled into each script under test, so the state lives on `globalThis`, set by the
 * test before it evaluates a script or calls one of its exports.
 */
export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** An HTTP answer as it came off the wire: every header line, Set-Cookie ones separately. */
export interface RawResponse {
  status: number;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  status: number;
  /** Whether the status is one the request's responseCallback (default 200–399) expects. */
  expected: boolean;
  name?: string;
}

export interface FakeK6Runtime {
  /** `k6 run -e NAME=value` settings. */
  env: Record<string, string>;
  /** Sends a request synchronously, as k6's http calls do; absent when no server is running. */
  send?: (request: RawRequest) => RawResponse;
  vu: { idInTest: number };
  scenario: { iterationInTest: number };
  checks: Array<{ name: string; ok: boolean }>;
  requests: RecordedRequest[];
  metrics: Record<string, number[]>;
  /** The VU's own cookie jar (http.cookieJar()), created on first use. */
  vuJar?: unknown;
}

declare global {
  var __k6FakeRuntime: FakeK6Runtime | undefined;
}

export function newFakeRuntime(
  env: Record<string, string> = {},
  send?: FakeK6Runtime["send"],
): FakeK6Runtime {
  return {
    env,
    ...(send ? { send } : {}),
    vu: { idInTest: 1 },
    scenario: { iterationInTest: 0 },
    checks: [],
    requests: [],
    metrics: {},
  };
}

export function runtime(): FakeK6Runtime {
  const current = globalThis.__k6FakeRuntime;
  if (!current) throw new Error("no fake k6 runtime: set globalThis.__k6FakeRuntime first");
  return current;
}
