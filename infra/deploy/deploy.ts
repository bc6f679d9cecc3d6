/**
 * `npm run deploy [-- <sst deploy arguments>]`: checks that the stage's secrets exist where the
 * deploy will look for them, then runs `sst deploy` with the same arguments (plus the stage and
 * region it checked). A missing secret fails here, in seconds, instead of minutes into a
 * CloudFormation update when the migrate function cannot start.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STAGE_SECRETS } from "../secrets";
import { checkStageSecrets, formatMissingSecrets, SecretsCheckError } from "./check-secrets";
import {
  applyEnvFiles,
  DeployError,
  parseDeployArguments,
  STARTUP_ENV_FILES,
  sstDeployArguments,
  stageWouldBePrompted,
  targetFromProject,
} from "./deploy-target";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function main(): Promise<number> {
  applyEnvFiles(ROOT, STARTUP_ENV_FILES);
  const args = parseDeployArguments(process.argv.slice(2));
  if (args.role !== undefined)
    throw new DeployError(
      "npm run deploy does not take --role (the secrets check could not use it): assume the role " +
        "first (a profile with role_arn, or CI's OIDC credentials), or run `npx sst deploy --role …`, " +
        "which skips the check.",
    );
  if (!process.stdin.isTTY && stageWouldBePrompted(args, ROOT))
    throw new DeployError("No stage: run `npm run deploy -- --stage <stage>`.");
  // SST's own resolution of app, stage, region, SSM prefix and profile (and its .env loading),
  // so the check looks exactly where the deployed functions will.
  const { initProject, useProject } = await import("sst/project.js");
  await initProject({ root: ROOT, stage: args.stage, region: args.region, profile: args.profile });
  const target = targetFromProject(useProject().config);

  const { profile } = target;
  const client = new SSMClient({ region: target.region, ...(profile ? { profile } : {}) });
  const result = await checkStageSecrets(client, target, STAGE_SECRETS).finally(() =>
    client.destroy(),
  );
  if (result.missing.length > 0) {
    console.error(formatMissingSecrets(result.missing, target));
    return 1;
  }
  const fallback = result.fromFallback.length
    ? ` (${result.fromFallback.join(", ")} from the fallback)`
    : "";
  console.log(
    `Secrets of stage "${target.stage}" in ${target.region}: ${STAGE_SECRETS.join(", ")} set${fallback}.`,
  );
  return runSstDeploy(sstDeployArguments(args, target));
}

function runSstDeploy(args: readonly string[]): Promise<number> {
  const cli = createRequire(import.meta.url).resolve("sst/cli/sst.js");
  console.log(`sst ${args.join(" ")}`);
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: "inherit",
    // SST 2.49's telemetry post never settles when its endpoint is unreachable, and sst then
    // exits 0 after a failed deploy (cli/telemetry/post-payload.js): CI must see the failure.
    env: { ...process.env, SST_TELEMETRY_DISABLED: "1" },
  });
  // Ctrl-C reaches sst through the terminal's process group; a CI cancel (SIGTERM) is passed on.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let settled = false;
// A promise nobody can settle (an unanswerable prompt) must not end the process with status 0.
process.on("exit", () => {
  if (settled) return;
  console.error("npm run deploy stopped before the check finished");
  process.exitCode = 1;
});
main().then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    settled = true;
    const expected = error instanceof DeployError || error instanceof SecretsCheckError;
    console.error(expected && error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
