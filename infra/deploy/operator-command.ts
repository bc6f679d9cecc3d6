/**
 * What the operator commands (`keys:rotate`, `secret:rotate`) share: a stage's secrets read from
 * SSM with the operator's own credentials, and one way to fail without printing a credential.
 */
import { fileURLToPath } from "node:url";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SecretsCheckError } from "./check-secrets";
import {
  DeployError,
  type DeployTarget,
  parseDeployArguments,
  targetFromProject,
} from "./deploy-target";
import { readStageSecret } from "./stage-secret-value";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface StageSecrets {
  target: DeployTarget;
  /** Where the command acted, for its last line: `stage "prod" in eu-west-1`. */
  where: string;
  read(name: string): Promise<string>;
}

/** Runs `use` with the `--stage` named in argv resolved by SST and an SSM client for it. */
export async function withStageSecrets<T>(
  argv: readonly string[],
  usage: string,
  use: (stage: StageSecrets) => Promise<T>,
): Promise<T> {
  const args = parseDeployArguments(argv);
  if (!args.stage) throw new DeployError(`No stage: run ${usage}.`);
  const { initProject, useProject } = await import("sst/project.js");
  await initProject({
    root: REPOSITORY_ROOT,
    stage: args.stage,
    region: args.region,
    profile: args.profile,
  });
  const target = targetFromProject(useProject().config);
  const client = new SSMClient({
    region: target.region,
    ...(target.profile ? { profile: target.profile } : {}),
  });
  try {
    return await use({
      target,
      where: `stage "${target.stage}" in ${target.region}`,
      read: (name) => readStageSecret(client, target, name),
    });
  } finally {
    client.destroy();
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The command's failure on stderr and exit code 1: the message of an expected error, only the
 * name of any other (database URLs and secrets are credentials and may sit in a message).
 */
export function reportFailure(command: string, expected: readonly ErrorClass[] = []) {
  return (error: unknown): void => {
    const known = [DeployError, SecretsCheckError, ...expected].some(
      (kind) => error instanceof kind,
    );
    console.error(
      known && error instanceof Error
        ? error.message
        : `${command} failed: ${error instanceof Error ? error.name : "unknown error"}`,
    );
    process.exitCode = 1;
  };
}
