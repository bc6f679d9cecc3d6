/**
 * `npm run keys:rotate -- --stage <stage> [--region <region>]`: retires the stage's signing keys
 * now (docs/operations.md, "Rotate the signing key"). The database comes from DATABASE_URL when
 * set, otherwise from the stage's DATABASE_URL secret in SSM, read with your own credentials.
 */
import { SIGNING_KEY_GRACE_SECONDS } from "../../functions/auth/create-auth";
import { applyEnvFiles, STARTUP_ENV_FILES } from "./deploy-target";
import { REPOSITORY_ROOT, reportFailure, withStageSecrets } from "./operator-command";
import { rotateStageSigningKeys } from "./signing-key-rotation";

async function databaseUrl(argv: readonly string[]): Promise<{ url: string; where: string }> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, where: "DATABASE_URL" };
  return withStageSecrets(argv, "`npm run keys:rotate -- --stage <stage>`", async (stage) => ({
    url: await stage.read("DATABASE_URL"),
    where: stage.where,
  }));
}

async function main(): Promise<void> {
  applyEnvFiles(REPOSITORY_ROOT, STARTUP_ENV_FILES);
  const { url, where } = await databaseUrl(process.argv.slice(2));
  const { retired } = await rotateStageSigningKeys(url);
  console.log(
    retired.length === 0
      ? `No live signing key in the database of ${where}: the next token request mints one.`
      : `Retired ${retired.length} signing key(s) of ${where}: ${retired.join(", ")}. The next ` +
          `token request mints a new key; tokens signed before keep verifying, and the retired ` +
          `keys leave the JWKS after ${SIGNING_KEY_GRACE_SECONDS / 60} minutes.`,
  );
}

main().catch(reportFailure("keys:rotate"));
