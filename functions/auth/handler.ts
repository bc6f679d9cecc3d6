import { openDatabase } from "../db/database";
import { readSecret, requireEnv } from "../shared/secrets";
import { createAuthLambda } from "./auth-lambda";
import { createAuth } from "./create-auth";

/** The auth Lambda: settings are read once per cold start, never again. */
const baseURL = requireEnv("BETTER_AUTH_URL");
const database = await openDatabase({ url: await readSecret("DATABASE_URL") });
const auth = createAuth({
  db: database.db,
  secret: await readSecret("BETTER_AUTH_SECRET"),
  baseURL,
  trustedOrigins: [new URL(baseURL).origin],
  issuer: requireEnv("JWT_ISSUER"),
  audience: requireEnv("JWT_AUDIENCE"),
  rateLimit: { enabled: rateLimitEnabled(process.env.AUTH_RATE_LIMIT) },
});

export const handler = createAuthLambda(auth);

/** AUTH_RATE_LIMIT=off is for load tests against a local stack; anything unexpected is refused. */
function rateLimitEnabled(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new Error('AUTH_RATE_LIMIT must be "on" or "off"');
}
