import { afterEach, describe, expect, it, vi } from "vitest";
import { captureLogs } from "../../infra/testing/logs";
import { log, logRequest } from "./log";

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
});
