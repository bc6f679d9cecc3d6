import * as z from "zod/mini";

/**
 * One typed config per function. Each setting is declared once, with the environment variable
 * that carries it; from that declaration come the zod schema the entry parses the environment
 * with, the environment infra, the local stack, the bench and tests build for the function, and
 * the secrets infra binds to it. zod/mini keeps the authorizer's bundle small.
 */

/** An environment as a Lambda sees it: unset variables are absent or undefined. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  /** The environment variable that carries the setting. */
  readonly variable: string;
  /** From the variable's text (undefined when unset or empty) to the typed value. */
  readonly schema: z.ZodMiniType<T, string | undefined>;
  /** The variable's text for a value; undefined leaves the variable unset. */
  format(value: T): string | undefined;
  /** An SST Config.Secret when deployed: bound by infra, fetched from SSM, never printed. */
  readonly secret: boolean;
}

export type Settings = Readonly<Record<string, Setting<unknown>>>;

/** The typed config a function's settings parse into. */
export type ConfigOf<S extends Settings> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export interface FunctionConfig<S extends Settings> {
  /** The function, as error messages name it. */
  readonly name: string;
  readonly settings: S;
  /** Over the environment variable names; parses into the typed config. */
  readonly schema: z.ZodMiniType<ConfigOf<S>, Environment>;
}

const asText = (value: string) => value;

/** A setting that must be set to some text. */
export function text(variable: string): Setting<string> {
  return { variable, schema: z.string({ error: "is not set" }), format: asText, secret: false };
}

/** A setting that must be an absolute URL. */
export function url(variable: string): Setting<string> {
  const schema = z
    .string({ error: "is not set" })
    .check(z.refine((value) => URL.canParse(value), { error: "must be an absolute URL" }));
  return { variable, schema, format: asText, secret: false };
}

/** A setting that may stay unset. */
export function optionalText(variable: string): Setting<string | undefined> {
  return { variable, schema: z.optional(z.string()), format: (value) => value, secret: false };
}

/** A switch that is on unless set to "off"; anything but on/off is refused. */
export function onOff(variable: string): Setting<boolean> {
  const schema = z.pipe(
    z.optional(z.enum(["on", "off"], { error: 'must be "on" or "off"' })),
    z.transform((value) => value !== "off"),
  );
  return { variable, schema, format: (on) => (on ? undefined : "off"), secret: false };
}

/** A secret: given in the environment locally, bound as an SST Config.Secret when deployed. */
export function secret(variable: string): Setting<string> {
  const schema = z.string({
    error: "is not set (neither in the environment nor bound as an SST secret)",
  });
  return { variable, schema, format: asText, secret: true };
}

/**
 * A secret the stack itself generates and writes into the function's environment (deployed, a
 * CloudFormation dynamic reference resolved at deploy time; locally, the local stack's own), so
 * it is never an SST secret to set by hand.
 */
export function stackSecret(variable: string, minLength = 32): Setting<string> {
  const schema = z
    .string({ error: "is not set (the stack generates it)" })
    .check(atLeast(minLength));
  return { variable, schema, format: asText, secret: false };
}

/** A stackSecret that may stay unset. */
export function optionalStackSecret(variable: string, minLength = 32): Setting<string | undefined> {
  const schema = z.optional(z.string().check(atLeast(minLength)));
  return { variable, schema, format: (value) => value, secret: false };
}

function atLeast(minLength: number) {
  return z.minLength(minLength, { error: `must be at least ${minLength} characters` });
}

export function defineConfig<const S extends Settings>(
  name: string,
  settings: S,
): FunctionConfig<S> {
  const entries = Object.entries(settings);
  const schema = z.pipe(
    // Only the declared variables are read.
    z.transform((env: Environment) =>
      Object.fromEntries(entries.map(([, { variable }]) => [variable, textOf(env, variable)])),
    ),
    z.pipe(
      z.object(
        Object.fromEntries(entries.map(([, setting]) => [setting.variable, setting.schema])),
      ),
      z.transform(
        (byVariable) =>
          // The shape is built from `settings`, so every field is there with its setting's type.
          Object.fromEntries(
            entries.map(([field, setting]) => [field, byVariable[setting.variable]]),
          ) as ConfigOf<S>,
      ),
    ),
  );
  return { name, settings, schema };
}

/** An empty variable counts as unset, as `FOO= cmd` means. */
function textOf(env: Environment, variable: string): string | undefined {
  return env[variable] || undefined;
}

/** Bad or missing settings, each named by its variable; values are never part of the message. */
export class ConfigError extends Error {
  constructor(
    subject: string,
    readonly problems: readonly string[],
  ) {
    super(`${subject}: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

function problemsOf(error: z.core.$ZodError, variable?: string): string[] {
  return error.issues.map((issue) => `${variable ?? issue.path.join(".")} ${issue.message}`);
}

export function parseConfig<S extends Settings>(
  config: FunctionConfig<S>,
  env: Environment,
): ConfigOf<S> {
  const result = z.safeParse(config.schema, env);
  if (result.success) return result.data;
  throw new ConfigError(
    `the ${config.name} function's settings are invalid`,
    problemsOf(result.error),
  );
}

/** The environment that parses back into these values; settings left out stay unset. */
export function environmentOf<S extends Settings>(
  config: FunctionConfig<S>,
  values: Partial<ConfigOf<S>>,
): Record<string, string> {
  const given: Partial<Record<string, unknown>> = values;
  const env: Record<string, string> = {};
  for (const [field, setting] of Object.entries(config.settings)) {
    const value = given[field];
    const formatted = value === undefined ? undefined : setting.format(value);
    if (formatted !== undefined) env[setting.variable] = formatted;
  }
  return env;
}

/** One setting read on its own (npm start passes the auth function's switch on). */
export function parseSetting<T>(setting: Setting<T>, env: Environment): T {
  const result = z.safeParse(setting.schema, textOf(env, setting.variable));
  if (result.success) return result.data;
  throw new ConfigError("invalid setting", problemsOf(result.error, setting.variable));
}

/** The variables of the settings that are secrets: what infra binds to the function. */
export function secretVariables(config: FunctionConfig<Settings>): string[] {
  return Object.values(config.settings)
    .filter((setting) => setting.secret)
    .map((setting) => setting.variable);
}
