/**
 * Reads a secret: from the environment when set (local stack, tests), otherwise from the SST
 * `Config.Secret` bound to the function (fetched from SSM once per cold start).
 */
export async function readSecret(name: string): Promise<string> {
  const fromEnvironment = process.env[name];
  if (fromEnvironment) return fromEnvironment;
  const { Config } = await import("sst/node/config");
  const value = (Config as Record<string, unknown>)[name];
  if (typeof value !== "string" || value === "") throw new Error(`secret ${name} is not set`);
  return value;
}

/** Reads a plain (non-secret) setting that the deployment must provide. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
