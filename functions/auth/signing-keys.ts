import { gt, isNull, or } from "drizzle-orm";
import type { Database } from "../db/database";
import { jwks } from "../db/schema";

/**
 * Forces a key rotation. Every signing key that is live now gets `expires_at = at` (default: now), which is
 * exactly what happens when a key reaches its rotation interval: the jwt plugin mints a fresh
 * Ed25519 key on the next token request, and `/api/auth/jwks` keeps publishing each retired
 * key until `expires_at + SIGNING_KEY_GRACE_SECONDS`, so tokens it signed keep verifying.
 * An `at` further in the past than the grace period drops the retired keys from the JWKS at
 * once (tests use that to simulate the end of the grace period).
 *
 * Operators can do the same in SQL:
 *   update jwks set expires_at = now() where expires_at is null or expires_at > now();
 *
 * Returns the ids (`kid`s) of the keys retired.
 */
export async function retireSigningKeys(db: Database, at: Date = new Date()): Promise<string[]> {
  const retired = await db
    .update(jwks)
    .set({ expiresAt: at })
    .where(or(isNull(jwks.expiresAt), gt(jwks.expiresAt, new Date())))
    .returning({ id: jwks.id });
  return retired.map((row) => row.id);
}
