import {
  type AuthSecretRotationResult,
  generateAuthSecret,
  rotateAuthSecret,
} from "../deploy/auth-secret-rotation";
import { DeployError } from "../deploy/deploy-target";
import { embeddedDatabaseUrl, lockDataDir, readLocalSecret, replaceLocalSecret } from "./data-dir";

export interface LocalSecretRotation {
  dataDir: string;
  /** The stack's DATABASE_URL when it runs on a Postgres server; default its embedded PGlite. */
  databaseUrl?: string | undefined;
  newSecret?: string;
}

/**
 * `npm run secret:rotate -- --local`: rotates the local stack's generated BETTER_AUTH_SECRET, with
 * the data directory locked, so it refuses to run while `npm start` holds it.
 */
export async function rotateLocalAuthSecret({
  dataDir,
  databaseUrl,
  newSecret = generateAuthSecret(),
}: LocalSecretRotation): Promise<AuthSecretRotationResult> {
  const release = await lockDataDir(dataDir);
  try {
    const currentSecret = await readLocalSecret(dataDir);
    if (!currentSecret) {
      throw new DeployError(`${dataDir} holds no secret yet: the next npm start generates one.`);
    }
    return await rotateAuthSecret({
      databaseUrl: databaseUrl ?? embeddedDatabaseUrl(dataDir),
      currentSecret,
      newSecret,
      publish: (secret) => replaceLocalSecret(dataDir, secret),
    });
  } finally {
    await release();
  }
}
