import { randomBytes } from "node:crypto";
import { SECRET_MIN_LENGTH } from "../../functions/auth/create-auth";
import { reencryptSigningKeys } from "../../functions/auth/reencrypt-signing-keys";
import { openDatabase } from "../../functions/db/database";
import { DeployError } from "./deploy-target";

export interface AuthSecretRotation {
  databaseUrl: string;
  /** The BETTER_AUTH_SECRET the auth function runs with now. */
  currentSecret: string;
  newSecret: string;
  /**
   * Makes the auth function run with the new secret (a stage: the SSM parameter and a restart of
   * the functions bound to it; the local stack: its secret file). Called between the two passes.
   */
  publish(newSecret: string): Promise<void>;
}

export interface AuthSecretRotationResult {
  /** Every `kid` whose private half is now encrypted under the new secret. */
  reencrypted: string[];
}

/** 32 random bytes, as the local stack generates its own: 43 characters of base64url. */
export function generateAuthSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Refuses a new secret the auth function would refuse, or one that rotates nothing. */
export function checkNewAuthSecret(currentSecret: string, newSecret: string): void {
  if (newSecret.length < SECRET_MIN_LENGTH) {
    throw new DeployError(
      `The new BETTER_AUTH_SECRET must be at least ${SECRET_MIN_LENGTH} characters.`,
    );
  }
  if (newSecret === currentSecret) {
    throw new DeployError("The new BETTER_AUTH_SECRET is the current one: nothing to rotate.");
  }
}

/**
 * Rotates BETTER_AUTH_SECRET (docs/operations.md, "Rotate BETTER_AUTH_SECRET"): re-encrypts the
 * stored private signing keys under the new secret, publishes it, and re-encrypts once more for a
 * key an instance still on the old secret minted in between. Key pairs and `kid`s do not change,
 * so every token keeps verifying; no row but the private keys is touched.
 */
export async function rotateAuthSecret(
  rotation: AuthSecretRotation,
): Promise<AuthSecretRotationResult> {
  const { currentSecret, newSecret } = rotation;
  checkNewAuthSecret(currentSecret, newSecret);
  const database = await openDatabase({ url: rotation.databaseUrl, maxConnections: 1 });
  try {
    const pair = { from: currentSecret, to: newSecret };
    const first = await reencryptSigningKeys(database.db, pair);
    await rotation.publish(newSecret);
    const second = await reencryptSigningKeys(database.db, pair);
    return { reencrypted: [...first.reencrypted, ...second.reencrypted] };
  } finally {
    await database.close();
  }
}
