import { openDatabase } from "../db/database";
import { createAuthLambda } from "./auth-lambda";
import type { AuthConfig } from "./config";
import { createAuth } from "./create-auth";

/** The auth Lambda for a config: opens the database, then mounts Better Auth behind the adapter. */
export async function createAuthHandler(config: AuthConfig) {
  const database = await openDatabase({ url: config.databaseUrl });
  const handler = createAuthLambda(
    createAuth({
      db: database.db,
      secret: config.secret,
      baseURL: config.baseURL,
      // The site and the API share this one origin; nothing else may use the session cookie.
      trustedOrigins: [new URL(config.baseURL).origin],
      issuer: config.issuer,
      audience: config.audience,
      rateLimit: { enabled: config.rateLimit },
    }),
    { originSecrets: [config.originSecret, config.nextOriginSecret] },
  );
  return { handler, close: database.close };
}
