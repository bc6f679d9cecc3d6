import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "functions/**/*.test.ts",
      "infra/**/*.test.ts",
      "site/tests/**/*.test.ts",
      "load/**/*.test.ts",
      "specs/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    coverage: {
      provider: "v8",
      include: [
        "functions/authorizer/verify-access-token.ts",
        "functions/authorizer/jwks-key-source.ts",
        "functions/authorizer/authorize-request.ts",
      ],
      reporter: ["text-summary"],
      // The token verifier is the security boundary: every line and branch must be exercised,
      // with its key source and the bearer-header parsing in front of it.
      thresholds: {
        "functions/authorizer/{verify-access-token,jwks-key-source,authorize-request}.ts": {
          lines: 100,
          branches: 100,
          functions: 100,
          statements: 100,
        },
      },
    },
  },
});
