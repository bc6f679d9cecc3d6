import { describe, expect, it } from "vitest";
import { captureLogs } from "../../infra/testing/logs";
import { logBetterAuth } from "./better-auth-log";

describe("Better Auth's log lines", () => {
  it("keeps warnings and errors as structured lines with Better Auth's message only", async () => {
    const { lines } = await captureLogs(async () => {
      logBetterAuth("error", "Failed to create user");
      logBetterAuth("warn", "Reset Password: User not found");
    });
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "ERROR", message: "better-auth", detail: "Failed to create user" },
      { level: "WARN", message: "better-auth", detail: "Reset Password: User not found" },
    ]);
  });

  it("drops info and debug lines, which name e-mail addresses", async () => {
    const { lines } = await captureLogs(async () => {
      logBetterAuth("info", "Sign-up attempt for existing email: ada@example.com");
      logBetterAuth("debug", "anything");
    });
    expect(lines).toEqual([]);
  });
});
