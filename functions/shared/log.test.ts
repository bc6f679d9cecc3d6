import { afterEach, describe, expect, it, vi } from "vitest";
import { captureLogs } from "../../infra/testing/logs";
import { invocationTracker } from "./invocation-scope";
import {
  boundedLogLine,
  configureLogging,
  log,
  logRequest,
  logSecurityEvent,
  MAX_LOG_FIELD_CHARS,
  MAX_LOG_LINE_BYTES,
  truncateForLog,
} from "./log";

/** A line as the logger writes it, for the bounding tests. */
function formatLogLine(level: string, message: string, fields: Record<string, unknown>): string {
  return boundedLogLine({ level, message, timestamp: new Date().toISOString(), ...fields });
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  configureLogging({ service: "auth-jwt-bridge", level: "INFO" });
});

describe("the structured log", () => {
  it("writes one JSON object per line through console, so test runners can capture it", async () => {
    const { lines } = await captureLogs(async () => log.warn("something odd", { detail: "d1" }));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "WARN",
      message: "something odd",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: "auth-jwt-bridge",
      detail: "d1",
    });
  });

  it("names the invocation's function, its request id as correlation id, and only its first call as the cold start", async () => {
    const invocation = invocationTracker("api");
    const { lines } = await captureLogs(async () => {
      await invocation("req-1", async () => log.info("first"));
      await invocation("req-2", async () => log.info("second"));
    });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ service: "api", correlation_id: "req-1", cold_start: true }),
      expect.objectContaining({ service: "api", correlation_id: "req-2", cold_start: false }),
    ]);
  });

  it("keeps concurrent invocations apart, as the local stack runs them in one process", async () => {
    const auth = invocationTracker("auth");
    const api = invocationTracker("api");
    const { lines } = await captureLogs(async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      await Promise.all([
        auth("a-1", async () => {
          await gate;
          log.info("auth line");
        }),
        api("b-1", async () => {
          log.info("api line");
          release();
        }),
      ]);
    });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ message: "api line", service: "api", correlation_id: "b-1" }),
      expect.objectContaining({ message: "auth line", service: "auth", correlation_id: "a-1" }),
    ]);
  });

  it("writes only lines at or above the configured level", async () => {
    const { lines: quiet } = await captureLogs(async () => log.debug("hidden"));
    expect(quiet).toEqual([]);
    configureLogging({ service: "authorizer", level: "DEBUG" });
    const { lines: verbose } = await captureLogs(async () => log.debug("shown"));
    expect(JSON.parse(verbose[0] ?? "")).toMatchObject({ level: "DEBUG", service: "authorizer" });
    configureLogging({ service: "authorizer", level: "ERROR" });
    const { lines: errorsOnly } = await captureLogs(async () => {
      log.info("dropped");
      log.warn("dropped");
      log.error("kept");
    });
    expect(errorsOnly.map((line) => JSON.parse(line).message)).toEqual(["kept"]);
  });

  it("writes security events whatever the level, so the trail has no gaps", async () => {
    configureLogging({ service: "auth", level: "ERROR" });
    const { lines } = await captureLogs(async () =>
      logSecurityEvent("sign_in_failed", { reason: "INVALID_EMAIL_OR_PASSWORD" }),
    );
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "INFO",
      message: "security event",
      service: "auth",
      event: "sign_in_failed",
      reason: "INVALID_EMAIL_OR_PASSWORD",
    });
  });

  it("writes bare JSON lines to the process streams inside Lambda, without the runtime's prefix", () => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "auth");
    const consoleInfo = vi.spyOn(console, "info");
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    log.info("cold start", { durationMs: 1 });
    expect(consoleInfo).not.toHaveBeenCalled();
    expect(stdout).toHaveBeenCalledTimes(1);
    const written = String(stdout.mock.calls[0]?.[0]);
    expect(written.endsWith("\n")).toBe(true);
    expect(JSON.parse(written)).toMatchObject({ level: "INFO", message: "cold start" });
  });

  it("logs a request with the same field names everywhere, at error level for a 5xx", async () => {
    const fields = { method: "GET", path: "/api/health", durationMs: 1.5 };
    const base = { timestamp: expect.any(String), service: "auth-jwt-bridge" };
    const { lines } = await captureLogs(async () => {
      logRequest("access", { ...fields, requestId: "r2", status: 200 });
      logRequest("request", {
        ...fields,
        requestId: "r2",
        route: "GET /api/health",
        status: 503,
        code: "57P01",
      });
    });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "INFO", message: "access", ...base, correlation_id: "r2", ...fields, status: 200 },
      {
        level: "ERROR",
        message: "request",
        ...base,
        correlation_id: "r2",
        ...fields,
        route: "GET /api/health",
        status: 503,
        code: "57P01",
      },
    ]);
    expect(lines[0]).toMatch(
      /^\{"level":"INFO","message":"access",.*"correlation_id":"r2","method":"GET","path"/,
    );
  });

  it("cuts any string field beyond 1 KiB with a marker, so a 2 MiB value writes a short line", async () => {
    const huge = `https://evil.example/${"a".repeat(2 * 1024 * 1024)}`;
    const { lines } = await captureLogs(async () =>
      invocationTracker("auth")("r3", async () =>
        log.error("better-auth", { detail: `Invalid callbackURL: ${huge}` }),
      ),
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const record = JSON.parse(line) as { detail: string; correlation_id: string };
    expect(record.correlation_id).toBe("r3");
    expect(record.detail.startsWith("Invalid callbackURL: https://evil.example/aaa")).toBe(true);
    expect(record.detail).toMatch(/…\[truncated \d+ chars\]$/);
    expect(record.detail.length).toBeLessThan(MAX_LOG_FIELD_CHARS + 40);
  });

  it("bounds strings inside nested fields and arrays too", () => {
    const long = "x".repeat(10_000);
    const line = formatLogLine("INFO", "nested", {
      failure: { cause: { message: long } },
      list: [long, long],
      at: new Date("2026-01-01T00:00:00.000Z"),
    });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record.at).toBe("2026-01-01T00:00:00.000Z");
    expect(JSON.stringify(record)).not.toContain("x".repeat(MAX_LOG_FIELD_CHARS + 1));
  });

  it("caps the whole line even when many fields are each under the field limit", () => {
    const fields = Object.fromEntries(
      Array.from({ length: 40 }, (_, index) => [`field${index}`, "é".repeat(1000)]),
    );
    const line = formatLogLine("WARN", "wide", { correlation_id: "r4", ...fields });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(JSON.parse(line)).toMatchObject({
      level: "WARN",
      message: "wide",
      correlation_id: "r4",
    });
    // Escaped control characters take six bytes each; still one bounded line.
    const escaped = formatLogLine("ERROR", "\u0001".repeat(5000), {
      detail: "\u0001".repeat(5000),
    });
    expect(Buffer.byteLength(escaped)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect((JSON.parse(escaped) as { message: string }).message).toMatch(
      /…\[truncated \d+ chars\]$/,
    );
    // Too many fields even at the tighter limit: the line keeps only what says what happened.
    const many = Object.fromEntries(
      Array.from({ length: 50 }, (_, index) => [`f${index}`, "\u0001".repeat(200)]),
    );
    const minimal = JSON.parse(
      formatLogLine("ERROR", "overflow", { correlation_id: "r5", ...many }),
    );
    expect(minimal).toEqual({
      level: "ERROR",
      message: "overflow",
      timestamp: expect.any(String),
      correlation_id: "r5",
      truncated: true,
    });
  });

  it("never splits a surrogate pair when it cuts", () => {
    const cut = truncateForLog(`${"a".repeat(9)}😀tail`, 10);
    expect(cut.startsWith("aaaaaaaaa…")).toBe(true);
    expect(cut.isWellFormed()).toBe(true);
    expect(truncateForLog("short", 10)).toBe("short");
  });
});
