import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import {
  fallbackParameterName,
  SecretsCheckError,
  type SecretsTarget,
  secretParameterName,
} from "./check-secrets";

/**
 * One secret's value for a stage, looked up where the deployed functions look: the stage's own
 * parameter, then the fallback. Operator commands use it with their own credentials, which need
 * ssm:GetParameters on those names and kms:Decrypt on SSM's key (the deploy role has neither).
 */
export async function readStageSecret(
  client: SSMClient,
  target: SecretsTarget,
  name: string,
): Promise<string> {
  const names = [secretParameterName(target, name), fallbackParameterName(target, name)];
  let parameters: { Name?: string | undefined; Value?: string | undefined }[];
  try {
    const answer = await client.send(
      new GetParametersCommand({ Names: names, WithDecryption: true }),
    );
    parameters = answer.Parameters ?? [];
  } catch (error) {
    const reason = error instanceof Error ? error.name : "an unknown error";
    throw new SecretsCheckError(
      `Could not read ${name} of stage "${target.stage}" in ${target.region} (${reason}): ` +
        "your credentials need ssm:GetParameters on the stage's secrets and kms:Decrypt.",
    );
  }
  for (const parameterName of names) {
    const value = parameters.find((parameter) => parameter.Name === parameterName)?.Value;
    if (value) return value;
  }
  throw new SecretsCheckError(
    `${name} is not set for stage "${target.stage}" in ${target.region} (looked in ${names.join(" and ")}).`,
  );
}
