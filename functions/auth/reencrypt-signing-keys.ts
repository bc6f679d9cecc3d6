import { symmetricDecrypt, symmetricEncrypt } from "better-auth/crypto";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database";
import { jwks } from "../db/schema";

/** A stored private key that neither secret opens: the rotation stops before changing anything. */
export class SigningKeySecretMismatch extends Error {
  override readonly name = "SigningKeySecretMismatch";
  constructor(readonly kid: string) {
    super(
      `Signing key ${kid} decrypts under neither the current nor the new BETTER_AUTH_SECRET: ` +
        "nothing was changed. Check that the current secret is the one the stage runs with.",
    );
  }
}

export interface SecretPair {
  /** The secret the keys are encrypted under now (the stage's BETTER_AUTH_SECRET). */
  from: string;
  /** The secret they must be encrypted under afterwards. */
  to: string;
}

export interface ReencryptionResult {
  /** The `kid`s whose private half was re-encrypted under the new secret. */
  reencrypted: string[];
  /** The `kid`s already encrypted under the new secret (a second run, or a key minted since). */
  alreadyCurrent: string[];
}

async function opens(secret: string, ciphertext: string): Promise<string | undefined> {
  return symmetricDecrypt({ key: secret, data: ciphertext }).catch(() => undefined);
}

/**
 * Re-encrypts every stored private signing key from one BETTER_AUTH_SECRET to another, as Better
 * Auth's jwt plugin stores them (`JSON.stringify` of `symmetricEncrypt`'s hex). The key pairs, and
 * so every `kid`, every published public key and every token signed, stay as they are. One
 * transaction with the rows locked: an auth instance minting a key meanwhile waits, and a key it
 * minted under the old secret before is caught by the next run (the command runs twice).
 */
export async function reencryptSigningKeys(
  db: Database,
  { from, to }: SecretPair,
): Promise<ReencryptionResult> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: jwks.id, privateKey: jwks.privateKey })
      .from(jwks)
      .orderBy(jwks.createdAt)
      .for("update");
    const result: ReencryptionResult = { reencrypted: [], alreadyCurrent: [] };
    const updates: { id: string; privateKey: string }[] = [];
    for (const row of rows) {
      const ciphertext = JSON.parse(row.privateKey) as string;
      if ((await opens(to, ciphertext)) !== undefined) {
        result.alreadyCurrent.push(row.id);
        continue;
      }
      const plain = await opens(from, ciphertext);
      if (plain === undefined) throw new SigningKeySecretMismatch(row.id);
      const privateKey = JSON.stringify(await symmetricEncrypt({ key: to, data: plain }));
      updates.push({ id: row.id, privateKey });
      result.reencrypted.push(row.id);
    }
    for (const { id, privateKey } of updates) {
      await tx.update(jwks).set({ privateKey }).where(eq(jwks.id, id));
    }
    return result;
  });
}
