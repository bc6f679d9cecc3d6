import { configDefaults, defineConfig } from "vitest/config";

/**
 * The fast path (`npm run test:unit`, 30-40 s on a busy 2-core machine): suites that need no
 * database, browser, SST synth, site build or local stack process. Out: every suite on PGlite or
 * PostgreSQL (an embedded PGlite takes 1.5 s to start when idle and 10-20 s on a busy machine; the
 * PGlite suites alone ran for 7 minutes here), site.e2e (Chromium), app-stack (synth),
 * bundle-budget (astro build), start and dev (spawn the local stack). A new suite that needs none
 * of those belongs in this list.
 */
const UNIT_SUITES = [
  "functions/authorizer/authorize-request.test.ts",
  "functions/authorizer/jwks-key-source.test.ts",
  "functions/authorizer/verify-access-token.test.ts",
  "functions/tasks/openapi-lint.test.ts",
  "infra/local/gateway.test.ts",
  "infra/local/static-site.test.ts",
  "infra/node-engines.test.ts",
  "infra/site-router.test.ts",
  "infra/stage-settings.test.ts",
  "infra/template-graph.test.ts",
  "load/bench/*.test.ts",
  "load/k6-scripts.test.ts",
  "site/tests/api-client.test.ts",
  "site/tests/color-contrast.test.ts",
];

const ALL_SUITES = [
  "functions/**/*.test.ts",
  "infra/**/*.test.ts",
  "site/tests/**/*.test.ts",
  "load/**/*.test.ts",
  "specs/**/*.test.ts",
];

/** The token verifier, with its key source and the bearer-header parsing in front of it. */
const AUTHORIZER_MODULES = [
  "functions/authorizer/verify-access-token.ts",
  "functions/authorizer/jwks-key-source.ts",
  "functions/authorizer/authorize-request.ts",
];

/**
 * The auth flows: the Lambda adapter and its factory, the Better Auth factory and its hooks, the
 * lockout, the client address, the password policy, the mail port with both adapters.
 */
const AUTH_FLOW_MODULES = [
  "functions/auth/auth-lambda.ts",
  "functions/auth/create-handler.ts",
  "functions/auth/create-auth.ts",
  "functions/auth/auth-hooks.ts",
  "functions/auth/delete-account-hook.ts",
  "functions/auth/password-strength-hook.ts",
  "functions/auth/single-use-verification-hook.ts",
  "functions/auth/response-floor.ts",
  "functions/auth/account-mail.ts",
  "functions/auth/better-auth-log.ts",
  "functions/auth/account-lockout.ts",
  "functions/auth/security-events.ts",
  "functions/auth/profile-fields.ts",
  "functions/auth/reencrypt-signing-keys.ts",
  "functions/auth/served-paths.ts",
  "functions/auth/password-policy.ts",
  "functions/auth/password-policy-options.ts",
  "functions/shared/client-address.ts",
  "functions/mail/mail-address.ts",
  "functions/mail/messages.ts",
  "functions/mail/safe-mail-sender.ts",
  "functions/mail/ses-mail-sender.ts",
  "infra/local/outbox.ts",
  // The API's session check (instant revocation) and every statement built on it.
  "functions/tasks/caller-session.ts",
  "functions/tasks/task-repository.ts",
];

const FULL_COVERAGE = { lines: 100, branches: 100, functions: 100, statements: 100 };

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Vitest's default on 2 cores is one worker; most suites wait on PostgreSQL, Chromium or a
    // child process, so two keep both cores busy (the full suite: 886 s with one on a 2-core
    // runner). Suites that build into a shared folder have their own (site build, SST out dirs).
    maxWorkers: 2,
    hookTimeout: 120_000,
    // Request logs and fixture notices are kept with each test and shown only if it fails.
    silent: "passed-only",
    // The SES and SSM clients warn once per process on Node < 22 that later SDK releases will need
    // Node 22; the deployed functions run on nodejs24.x (infra/function-settings.ts), and
    // infra/node-engines.test.ts pins what the toolchain needs.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      { extends: true, test: { name: "unit", include: UNIT_SUITES } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ALL_SUITES,
          exclude: [...configDefaults.exclude, ...UNIT_SUITES],
          // Probes the PostgreSQL server once for the whole run (infra/testing/database.ts).
          globalSetup: ["infra/testing/global-setup.ts"],
        },
      },
    ],
    coverage: {
      provider: "v8",
      include: [...AUTHORIZER_MODULES, ...AUTH_FLOW_MODULES],
      reporter: ["text-summary"],
      // The token verifier and every module of the auth flows are security boundaries: every
      // line and branch must be exercised, so an untested branch in any of them fails the run.
      thresholds: Object.fromEntries(
        [...AUTHORIZER_MODULES, ...AUTH_FLOW_MODULES].map((file) => [file, FULL_COVERAGE]),
      ),
    },
  },
});
