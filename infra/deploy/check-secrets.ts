import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";

/** SST v2's stage name for values shared by every stage (`FALLBACK_STAGE` in sst/src/config.ts). */
export const FALLBACK_STAGE = ".fallback";

/** The statement of infra/deploy/deploy-role-policy.json that lets the check run. */
export const SECRETS_CHECK_POLICY_SID = "CheckStageSecretsExistBeforeDeployWithoutDecryptingThem";

// GetParameters accepts at most 10 names per call (SST's runtime loader chunks the same way).
const GET_PARAMETERS_LIMIT = 10;

export interface SecretsTarget {
  app: string;
  stage: string;
  /** The region `sst deploy` will use; the client must be configured for the same one. */
  region: string;
  /** sst.config.ts `ssmPrefix`, when it overrides SST's `/sst/{app}/{stage}/`. */
  ssmPrefix?: string | undefined;
}

/**
 * The SSM parameter that holds a secret for the stage, exactly as SST v2 writes it
 * (`Config.pathFor` in sst/src/config.ts, prefix from sst/src/project.ts) and as the deployed
 * functions read it (`buildSsmPath` in sst/src/node/util/index.ts).
 */
export function secretParameterName(target: SecretsTarget, name: string): string {
  const prefix = target.ssmPrefix ?? `/sst/${target.app}/${target.stage}/`;
  return `${prefix}Secret/${normalizeSecretId(name)}/value`;
}

/** `sst secrets set --fallback` stores here; functions fall back to it when the stage has none. */
export function fallbackParameterName(target: SecretsTarget, name: string): string {
  return `/sst/${target.app}/${FALLBACK_STAGE}/Secret/${normalizeSecretId(name)}/value`;
}

// SST's `Config.normalizeID`: dashes become underscores in the parameter name.
function normalizeSecretId(name: string): string {
  return name.replace(/-/g, "_");
}

export interface SecretsCheckResult {
  /** Set neither for the stage nor as a fallback: the deploy would fail. */
  missing: string[];
  /** Not set for the stage but present as a fallback, which the functions will use. */
  fromFallback: string[];
}

/** A failure to ask SSM at all (permissions, credentials, network), with what to do about it. */
export class SecretsCheckError extends Error {
  override readonly name = "SecretsCheckError";
}

/**
 * Asks SSM which of the secrets exist for the stage, then which of the rest exist as fallbacks:
 * the same two lookups, in the same order, that the deployed functions make at cold start.
 * Values are never decrypted: existence is all a deploy needs, and the deploy role then needs no
 * KMS permission and never sees a secret.
 */
export async function checkStageSecrets(
  client: SSMClient,
  target: SecretsTarget,
  names: readonly string[],
): Promise<SecretsCheckResult> {
  const foundForStage = await existingParameters(
    client,
    target,
    names.map((name) => secretParameterName(target, name)),
  );
  const notForStage = names.filter((name) => !foundForStage.has(secretParameterName(target, name)));
  if (notForStage.length === 0) return { missing: [], fromFallback: [] };
  const foundAsFallback = await existingParameters(
    client,
    target,
    notForStage.map((name) => fallbackParameterName(target, name)),
  );
  const hasFallback = (name: string) => foundAsFallback.has(fallbackParameterName(target, name));
  return {
    missing: notForStage.filter((name) => !hasFallback(name)),
    fromFallback: notForStage.filter(hasFallback),
  };
}

async function existingParameters(
  client: SSMClient,
  target: SecretsTarget,
  parameterNames: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < parameterNames.length; start += GET_PARAMETERS_LIMIT) {
    const names = parameterNames.slice(start, start + GET_PARAMETERS_LIMIT);
    try {
      const result = await client.send(
        new GetParametersCommand({ Names: names, WithDecryption: false }),
      );
      for (const parameter of result.Parameters ?? [])
        if (parameter.Name) found.add(parameter.Name);
    } catch (error) {
      throw new SecretsCheckError(describeSsmFailure(error, target, names));
    }
  }
  return found;
}

function describeSsmFailure(
  error: unknown,
  target: SecretsTarget,
  names: readonly string[],
): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const lines = [
    `Could not check the secrets of stage "${target.stage}" in ${target.region}: ${name}: ${message}`,
  ];
  if (name === "AccessDeniedException") {
    lines.push(
      `The deploy credentials need ssm:GetParameters on ${names.map((n) => `arn:aws:ssm:${target.region}:<account>:parameter${n}`).join(", ")}`,
      `(statement ${SECRETS_CHECK_POLICY_SID} in infra/deploy/deploy-role-policy.json).`,
    );
  }
  return lines.join("\n");
}

/** The command that sets a secret where this deploy will look for it: same stage, same region. */
export function secretsSetCommand(name: string, target: SecretsTarget): string {
  return `AWS_REGION=${target.region} npx sst secrets set ${name} <value> --stage ${target.stage}`;
}

/** What to print when secrets are missing: each name, where it was looked for, how to set it. */
export function formatMissingSecrets(missing: readonly string[], target: SecretsTarget): string {
  return [
    `Stage "${target.stage}" of ${target.app} is missing ${missing.length === 1 ? "a secret" : `${missing.length} secrets`} in ${target.region}: ${missing.join(", ")}`,
    "Nothing was deployed. Looked in SSM Parameter Store for:",
    ...missing.map(
      (name) =>
        `  ${secretParameterName(target, name)} (or the fallback ${fallbackParameterName(target, name)})`,
    ),
    "Set each one, then deploy again:",
    ...missing.map((name) => `  ${secretsSetCommand(name, target)}`),
    "`sst secrets set` writes to the region of sst.config.ts (--region, else AWS_REGION, else",
    "us-east-1), not your AWS profile's region: a secret set without AWS_REGION may be in another",
    "region than this deploy.",
  ].join("\n");
}
