/**
 * The route table, defined once: the SST stack (infra/) and the local gateway (functions/local/)
 * both read it, so local and deployed routing cannot drift.
 */
export type FunctionName = "auth" | "api";
export type RouteAuth = "none" | "jwt";

export interface RouteDefinition {
  /** API Gateway route key, e.g. "GET /api/tasks/{id}". */
  key: string;
  function: FunctionName;
  auth: RouteAuth;
}

export const ROUTES: readonly RouteDefinition[] = [
  { key: "ANY /api/auth/{proxy+}", function: "auth", auth: "none" },
  { key: "GET /api/health", function: "api", auth: "none" },
  { key: "GET /api/openapi.json", function: "api", auth: "none" },
  { key: "GET /api/tasks", function: "api", auth: "jwt" },
  { key: "POST /api/tasks", function: "api", auth: "jwt" },
  { key: "GET /api/tasks/{id}", function: "api", auth: "jwt" },
  { key: "PATCH /api/tasks/{id}", function: "api", auth: "jwt" },
  { key: "DELETE /api/tasks/{id}", function: "api", auth: "jwt" },
];

/** Lambda entry files, relative to the repository root; the export is always `handler`. */
export const FUNCTION_ENTRIES = {
  auth: "functions/auth/handler.ts",
  api: "functions/tasks/handler.ts",
  authorizer: "functions/authorizer/handler.ts",
  migrate: "functions/migrate/handler.ts",
} as const;

/**
 * Modules left out of every Lambda bundle: the embedded PGlite engine serves only `npm start` and
 * tests (functions/db/database.ts loads it lazily), and the AWS SDK v3 ships with nodejs22.x.
 */
export const LAMBDA_BUNDLE_EXTERNALS = ["@electric-sql/pglite", "drizzle-orm/pglite", "@aws-sdk/*"];

/**
 * How long API Gateway caches an authorizer answer per Authorization value. A cached allow can
 * outlive the token's `exp` by up to this many seconds; the local gateway uses the same value.
 */
export const AUTHORIZER_CACHE_TTL_SECONDS = 60;

/** API Gateway HTTP API's request payload limit. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway HTTP API's integration timeout. */
export const GATEWAY_INTEGRATION_TIMEOUT_MS = 30_000;
