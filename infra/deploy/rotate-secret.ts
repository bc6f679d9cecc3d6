/**
 * `npm run secret:rotate -- --stage <stage> [--region <region>] [--new-secret-stdin]`: rotates
 * BETTER_AUTH_SECRET (docs/operations.md, "Rotate BETTER_AUTH_SECRET"). The stage's DATABASE_URL
 * and current secret come from SSM, read with your own credentials; the new secret is generated
 * (or read from stdin), written to the stage's SSM parameter and never printed.
 *
 * `npm run secret:rotate -- --local`: the same for the local stack's data directory (DATA_DIR).
 * `DATABASE_URL=… BETTER_AUTH_SECRET=<current> npm run secret:rotate -- --new-secret-stdin`: any
 * database; starting the auth function with the new secret is then yours to do.
 */
import { text } from "node:stream/consumers";
import { SigningKeySecretMismatch } from "../../functions/auth/reencrypt-signing-keys";
import { closeSharedDatabases } from "../../functions/db/database";
import { DataDirInUse } from "../local/data-dir";
import { rotateLocalAuthSecret } from "../local/rotate-local-secret";
import { DEFAULT_DATA_DIR } from "../local/stack";
import {
  type AuthSecretRotationResult,
  generateAuthSecret,
  rotateAuthSecret,
} from "./auth-secret-rotation";
import { applyEnvFiles, DeployError, STARTUP_ENV_FILES } from "./deploy-target";
import { REPOSITORY_ROOT, reportFailure, withStageSecrets } from "./operator-command";

const SECRET = "BETTER_AUTH_SECRET";

async function newSecret(fromStdin: boolean): Promise<string> {
  if (!fromStdin) return generateAuthSecret();
  return (await text(process.stdin)).trim();
}

async function rotateStage(
  argv: readonly string[],
  fromStdin: boolean,
): Promise<{ result: AuthSecretRotationResult; where: string }> {
  const usage = "`npm run secret:rotate -- --stage <stage>` (or --local)";
  return withStageSecrets(argv, usage, async (stage) => {
    const databaseUrl = await stage.read("DATABASE_URL");
    const currentSecret = await stage.read(SECRET);
    const { Config } = await import("sst/config.js");
    const result = await rotateAuthSecret({
      databaseUrl,
      currentSecret,
      newSecret: await newSecret(fromStdin),
      // What `sst secrets set` does: the stage's parameter, then a restart of every function
      // bound to it, so no instance keeps the old secret for more than seconds.
      publish: async (value) => {
        await Config.setSecret({ key: SECRET, value });
        await Config.restart([SECRET]);
      },
    });
    return { result, where: stage.where };
  });
}

async function main(): Promise<void> {
  applyEnvFiles(REPOSITORY_ROOT, STARTUP_ENV_FILES);
  const argv = process.argv.slice(2);
  const fromStdin = argv.includes("--new-secret-stdin");
  const rest = argv.filter((arg) => arg !== "--new-secret-stdin" && arg !== "--local");
  let outcome: { result: AuthSecretRotationResult; where: string; next: string };
  if (argv.includes("--local")) {
    const dataDir = process.env.DATA_DIR ?? DEFAULT_DATA_DIR;
    const result = await rotateLocalAuthSecret({
      dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      newSecret: await newSecret(fromStdin),
    });
    outcome = { result, where: dataDir, next: "Start the stack again with `npm start`." };
  } else if (process.env.DATABASE_URL) {
    const currentSecret = process.env[SECRET];
    if (!currentSecret || !fromStdin) {
      throw new DeployError(
        `With DATABASE_URL, give the current secret as ${SECRET} and the new one on stdin (--new-secret-stdin).`,
      );
    }
    const result = await rotateAuthSecret({
      databaseUrl: process.env.DATABASE_URL,
      currentSecret,
      newSecret: await newSecret(true),
      publish: async () => {},
    });
    outcome = {
      result,
      where: "DATABASE_URL",
      next: "Restart the auth function with the new secret now.",
    };
  } else {
    const { result, where } = await rotateStage(rest, fromStdin);
    outcome = { result, where, next: "The functions bound to the secret were restarted." };
  }
  const { result, where, next } = outcome;
  console.log(
    `Rotated ${SECRET} of ${where}: ${result.reencrypted.length} signing key(s) re-encrypted ` +
      `(${result.reencrypted.join(", ") || "none stored yet"}). Tokens keep verifying; browsers ` +
      `must sign in again (their session cookies were signed with the old secret). ${next}`,
  );
}

main()
  .catch(reportFailure("secret:rotate", [SigningKeySecretMismatch, DataDirInUse]))
  .finally(closeSharedDatabases);
