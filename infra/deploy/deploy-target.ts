import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import type { SecretsTarget } from "./check-secrets";

/** A wrong command line or an unresolvable stage: printed as is, no stack trace. */
export class DeployError extends Error {
  override readonly name = "DeployError";
}

/** SST's global options that decide where a deploy goes (sst/src/cli/program.ts). */
const TARGET_OPTIONS = ["stage", "region", "profile", "role"] as const;
type TargetOption = (typeof TARGET_OPTIONS)[number];

export interface DeployArguments extends Partial<Record<TargetOption, string>> {
  /** Everything after `npm run deploy --`, handed to `sst deploy` unchanged. */
  args: readonly string[];
}

/** Reads `--stage x`/`--stage=x` (and region, profile, role) the way yargs would; keeps the rest. */
export function parseDeployArguments(argv: readonly string[]): DeployArguments {
  const parsed: DeployArguments = { args: [...argv] };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    for (const option of TARGET_OPTIONS) {
      const flag = `--${option}`;
      let value: string | undefined;
      if (arg === flag) {
        value = argv[index + 1];
        if (value === undefined || value.startsWith("-"))
          throw new DeployError(`${flag} needs a value`);
        index += 1;
      } else if (arg.startsWith(`${flag}=`)) {
        value = arg.slice(flag.length + 1);
        if (value === "") throw new DeployError(`${flag} needs a value`);
      } else continue;
      // yargs would turn a repeated option into an array; refuse instead of guessing which wins.
      if (parsed[option] !== undefined) throw new DeployError(`${flag} is given twice`);
      parsed[option] = value;
      break;
    }
  }
  return parsed;
}

/**
 * Applies `.env`-style files the way SST v2 does (dotenv with `override: true`, so a file wins
 * over the shell), in order; missing files are skipped.
 */
export function applyEnvFiles(
  root: string,
  files: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    for (const [key, value] of Object.entries(parseEnv(readFileSync(path, "utf8")))) {
      if (value !== undefined) env[key] = value;
    }
  }
}

/** What sst/src/cli/sst.ts loads before anything else (so they can set AWS_REGION for the config). */
export const STARTUP_ENV_FILES = [".env", ".env.local"] as const;

/** Where the deploy goes and as whom: what the check needs to look where SST will. */
export interface DeployTarget extends SecretsTarget {
  /** The named profile SST uses (none when static keys are in the environment). */
  profile?: string | undefined;
}

/** The part of SST's resolved project config (`useProject().config`) that decides the target. */
export interface ResolvedProjectConfig {
  name: string;
  stage: string;
  region?: string | undefined;
  ssmPrefix?: string | undefined;
  profile?: string | undefined;
}

/** The target from the config SST's own initProject resolved, so the check cannot disagree with it. */
export function targetFromProject(config: ResolvedProjectConfig): DeployTarget {
  if (!config.region) throw new DeployError("No region: pass --region or set AWS_REGION");
  return {
    app: config.name,
    stage: config.stage,
    region: config.region,
    ssmPrefix: config.ssmPrefix,
    profile: config.profile,
  };
}

/**
 * True when SST would have to ask for a personal stage but nobody can answer: its readline prompt
 * on a closed stdin never resolves and the process would just end. (A stage set inside
 * sst.config.ts's `config()` is not seen here; this template's config sets none.)
 */
export function stageWouldBePrompted(
  args: DeployArguments,
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return args.stage === undefined && !env.SST_STAGE && !existsSync(join(root, ".sst", "stage"));
}

/**
 * The `sst deploy` command line: the caller's arguments unchanged, plus the stage and region the
 * check used when the caller left them implicit, so the deploy cannot go anywhere else.
 */
export function sstDeployArguments(args: DeployArguments, target: DeployTarget): string[] {
  return [
    "deploy",
    ...args.args,
    ...(args.stage === undefined ? ["--stage", target.stage] : []),
    ...(args.region === undefined ? ["--region", target.region] : []),
  ];
}
