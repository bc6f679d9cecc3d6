/**
 * `npm run keys:rotate -- --stage <stage> [--region <region>]`: retires the stage's signing keys
 * now (docs/operations.md, "Rotate the signing key"). The database comes from DATABASE_URL when
 * set, otherwise from the stage's DATABASE_URL secret in SSM, read with your own credentials.
 */
import { fileURLToPath } from "node:url";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SIGNING_KEY_GRACE_SECONDS } from "../../functions/auth/create-auth";
import { SecretsCheckError } from "./check-secrets";
import {
  applyEnvFiles,
  DeployError,
  parseDeployArguments,
  STARTUP_ENV_FILES,
  targetFromProject,
} from "./deploy-target";
import { rotateStageSigningKeys } from "./signing-key-rotation";
import { readStageSecret } from "./stage-secret-value";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function databaseUrl(argv: readonly string[]): Promise<{ url: string; where: string }> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, where: "DATABASE_URL" };
  const args = parseDeployArguments(argv);
  if (!args.stage) throw new DeployError("No stage: run `npm run keys:rotate -- --stage <stage>`.");
  const { initProject, useProject } = await import("sst/project.js");
  await initProject({ root: ROOT, stage: args.stage, region: args.region, profile: args.profile });
  const target = targetFromProject(useProject().config);
  const client = new SSMClient({
    region: target.region,
    ...(target.profile ? { profile: target.profile } : {}),
  });
  try {
    const url = await readStageSecret(client, target, "DATABASE_URL");
    return { url, where: `stage "${target.stage}" in ${target.region}` };
  } finally {
    client.destroy();
  }
}

async function main(): Promise<void> {
  applyEnvFiles(ROOT, STARTUP_ENV_FILES);
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

main().catch((error: unknown) => {
  const expected = error instanceof DeployError || error instanceof SecretsCheckError;
  // The database URL holds a password: an unexpected error is named, never printed whole.
  console.error(
    expected && error instanceof Error
      ? error.message
      : `keys:rotate failed: ${error instanceof Error ? error.name : "unknown error"}`,
  );
  process.exitCode = 1;
});
