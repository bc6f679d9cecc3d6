import {
  type ConfigOf,
  type Environment,
  type FunctionConfig,
  parseConfig,
  type Settings,
} from "./config";

/**
 * The SST `Config.Secret` of this name bound to the function (SST fetches it from SSM once per
 * cold start), or undefined when none is bound.
 */
export async function readSecret(name: string): Promise<string | undefined> {
  const { Config } = await import("sst/node/config");
  try {
    const value = (Config as Record<string, unknown>)[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    // SST's proxy throws for a secret that is not bound; the config error then names it.
    return undefined;
  }
}

/**
 * What an entry calls: parseConfig, after taking each secret the environment does not hold
 * (every one, when deployed) from the SST secret bound to the function.
 */
export async function loadConfig<S extends Settings>(
  config: FunctionConfig<S>,
  env: Environment,
): Promise<ConfigOf<S>> {
  const missing = Object.values(config.settings).filter(
    (setting) => setting.secret && !env[setting.variable],
  );
  const bound = await Promise.all(
    missing.map(async (setting) => [setting.variable, await readSecret(setting.variable)] as const),
  );
  return parseConfig(config, { ...env, ...Object.fromEntries(bound) });
}
