import { openDatabase } from "../db/database";
import { readSecret, requireEnv } from "../shared/secrets";
import { createAuthLambda } from "./auth-lambda";
import { createAuth } from "./create-auth";

/** The auth Lambda. Settings are read once per cold start, all before anything connects. */
const baseURL = requireEnv("BETTER_AUTH_URL");
const issuer = requireEnv("JWT_ISSUER");
const audience = requireEnv("JWT_AUDIENCE");
const rateLimit = { enabled: rateLimitEnabled(process.env.AUTH_RATE_LIMIT) };
const secret = await readSecret("BETTER_AUTH_SECRET");
const database = await openDatabase({ url: await readSecret("DATABASE_URL") });

export const handler = createAuthLambda(
  createAuth({
    db: database.db,
    secret,
    baseURL,
    // The site and the API share this one origin; nothing else may use the session cookie.
    trustedOrigins: [new URL(baseURL).origin],
    issuer,
    audience,
    rateLimit,
  }),
);

/** AUTH_RATE_LIMIT=off is for load tests against a local stack; anything unexpected is refused. */
function rateLimitEnabled(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new Error('AUTH_RATE_LIMIT must be "on" or "off"');
}
