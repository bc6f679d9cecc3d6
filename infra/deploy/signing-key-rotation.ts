import { retireSigningKeys } from "../../functions/auth/signing-keys";
import { openDatabase } from "../../functions/db/database";

export interface RotationResult {
  /** The `kid`s retired: still published for the grace period, never used to sign again. */
  retired: string[];
}

/**
 * Rotates a stage's signing key now: every live key is retired, so the next token request mints
 * a fresh Ed25519 key, while the JWKS keeps publishing the retired ones until their tokens have
 * expired (SIGNING_KEY_GRACE_SECONDS). Nothing is deleted and no session ends.
 */
export async function rotateStageSigningKeys(databaseUrl: string): Promise<RotationResult> {
  const database = await openDatabase({ url: databaseUrl, maxConnections: 1 });
  try {
    return { retired: await retireSigningKeys(database.db) };
  } finally {
    await database.close();
  }
}
