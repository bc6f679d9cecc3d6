import { authConfig } from "../functions/auth/config";
import { authorizerConfig } from "../functions/authorizer/config";
import { migrateConfig } from "../functions/migrate/config";
import type { FunctionConfig, Settings } from "../functions/shared/config";
import { tasksConfig } from "../functions/tasks/config";

/** Lambda entry files, relative to the repository root; the export is always `handler`. */
export const FUNCTION_ENTRIES = {
  auth: "functions/auth/handler.ts",
  api: "functions/tasks/handler.ts",
  authorizer: "functions/authorizer/handler.ts",
  migrate: "functions/migrate/handler.ts",
} as const;

/**
 * Modules left out of every Lambda bundle: the embedded PGlite engine serves only `npm start` and
 * tests (functions/db/database.ts loads it lazily), and the AWS SDK v3 ships with the runtime.
 */
export const LAMBDA_BUNDLE_EXTERNALS = ["@electric-sql/pglite", "drizzle-orm/pglite", "@aws-sdk/*"];

export type LambdaName = keyof typeof FUNCTION_ENTRIES;

/**
 * Every function's Lambda runtime. CI runs the real bundles under the same Node.js major from the
 * npm registry (.ci/run, infra/lambda-runtime.test.ts); the toolchain itself needs only Node 20.19.
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** The Node.js major of LAMBDA_RUNTIME. */
export const LAMBDA_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1]);

/**
 * Functions bundled with esbuild's code splitting: what they import lazily becomes separate
 * chunks that a cold start neither reads nor parses until the first call that needs them (the
 * auth function's 1.6 MiB of zxcvbn dictionaries, the AWS SDK's SSM client when every secret is
 * already in the environment). Without splitting esbuild inlines a dynamic import, and the
 * imports of the inlined module load with the entry. The authorizer imports nothing lazily.
 */
export const LAMBDA_CODE_SPLITTING: readonly LambdaName[] = ["auth", "api", "migrate"];

/** What each entry parses: infra binds exactly the secrets a config declares. */
export const FUNCTION_CONFIGS: Record<LambdaName, FunctionConfig<Settings>> = {
  auth: authConfig,
  api: tasksConfig,
  authorizer: authorizerConfig,
  migrate: migrateConfig,
};

export interface LambdaSizing {
  memorySize: number;
  /** Seconds. */
  timeout: number;
  why: string;
}

/** Memory buys CPU on Lambda; each size is chosen for what the function spends its time on. */
export const LAMBDA_SIZING: Record<LambdaName, LambdaSizing> = {
  auth: {
    memorySize: 1024,
    timeout: 10,
    why: "password hashing (scrypt) is CPU-bound; 1 GB roughly halves sign-in latency vs 512 MB",
  },
  api: {
    memorySize: 512,
    timeout: 10,
    why: "I/O-bound CRUD over one pooled connection; well under API Gateway's 30 s limit",
  },
  authorizer: {
    memorySize: 256,
    timeout: 5,
    why: "one Ed25519 verify from memory; the timeout only bounds a cold JWKS fetch",
  },
  migrate: {
    memorySize: 512,
    timeout: 300,
    why: "runs at deploy; may wait on another deploy's advisory lock before applying SQL",
  },
};

/** Where the migrate bundle finds the SQL: `migrations/` at the bundle root ($LAMBDA_TASK_ROOT). */
export const MIGRATIONS_SOURCE = "functions/db/migrations";
export const MIGRATIONS_BUNDLE_PATH = "migrations";
