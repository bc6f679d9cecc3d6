import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { renderOpenApiYaml } from "./openapi-yaml";

/**
 * Redocly's recommended rules, every one at its own severity, except those switched off below
 * with the reason.
 */
const RULES_OFF_WITH_REASON = {
  // The template ships without a licence of its own; the document must not invent one.
  "info-license": "off",
} as const;

describe("the OpenAPI document under Redocly's recommended rules", () => {
  it("has no errors and no warnings", async () => {
    const config = await createConfig({ extends: ["recommended"], rules: RULES_OFF_WITH_REASON });
    const problems = await lintFromString({
      source: renderOpenApiYaml(),
      absoluteRef: "openapi.yaml",
      config,
    });
    const readable = problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? "?"}`,
    );
    expect(readable).toEqual([]);
  });
});
