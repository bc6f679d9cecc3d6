import { afterEach, describe, expect, it, vi } from "vitest";
import { captureLogs } from "../../infra/testing/logs";
import {
  formatLogLine,
  log,
  logRequest,
  MAX_LOG_FIELD_CHARS,
  MAX_LOG_LINE_BYTES,
  truncateForLog,
} from "./log";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("the structured log", () => {
  it("writes one JSON object per line through console, so test runners can capture it", async () => {
    const { lines } = await captureLogs(async () => log.warn("something odd", { requestId: "r1" }));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "warn",
      time: expect.any(String),
      msg: "something odd",
      requestId: "r1",
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
    expect(JSON.parse(written)).toMatchObject({ level: "info", msg: "cold start" });
  });

  it("logs a request with the same field names everywhere, at error level for a 5xx", async () => {
    const fields = { method: "GET", path: "/api/health", durationMs: 1.5, requestId: "r2" };
    const { lines } = await captureLogs(async () => {
      logRequest("access", { ...fields, status: 200 });
      logRequest("request", { ...fields, route: "GET /api/health", status: 503, code: "57P01" });
    });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "info", time: expect.any(String), msg: "access", ...fields, status: 200 },
      {
        level: "error",
        time: expect.any(String),
        msg: "request",
        ...fields,
        route: "GET /api/health",
        status: 503,
        code: "57P01",
      },
    ]);
    expect(lines[0]).toMatch(/^\{"level":"info",.*"requestId":"r2","method":"GET","path"/);
  });

  it("cuts any string field beyond 1 KiB with a marker, so a 2 MiB value writes a short line", async () => {
    const huge = `https://evil.example/${"a".repeat(2 * 1024 * 1024)}`;
    const { lines } = await captureLogs(async () =>
      log.error("better-auth", { detail: `Invalid callbackURL: ${huge}`, requestId: "r3" }),
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const record = JSON.parse(line) as { detail: string; requestId: string };
    expect(record.requestId).toBe("r3");
    expect(record.detail.startsWith("Invalid callbackURL: https://evil.example/aaa")).toBe(true);
    expect(record.detail).toMatch(/…\[truncated \d+ chars\]$/);
    expect(record.detail.length).toBeLessThan(MAX_LOG_FIELD_CHARS + 40);
  });

  it("bounds strings inside nested fields and arrays too", () => {
    const long = "x".repeat(10_000);
    const line = formatLogLine("info", "nested", {
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
    const line = formatLogLine("warn", "wide", { requestId: "r4", ...fields });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(JSON.parse(line)).toMatchObject({ level: "warn", msg: "wide" });
    // Escaped control characters take six bytes each; still one bounded line.
    const escaped = formatLogLine("error", "\u0001".repeat(5000), {
      detail: "\u0001".repeat(5000),
    });
    expect(Buffer.byteLength(escaped)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect((JSON.parse(escaped) as { msg: string }).msg).toMatch(/…\[truncated \d+ chars\]$/);
    // Too many fields even at the tighter limit: the line keeps only what says what happened.
    const many = Object.fromEntries(
      Array.from({ length: 50 }, (_, index) => [`f${index}`, "\u0001".repeat(200)]),
    );
    const minimal = JSON.parse(formatLogLine("error", "overflow", many));
    expect(minimal).toEqual({
      level: "error",
      time: expect.any(String),
      msg: "overflow",
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
