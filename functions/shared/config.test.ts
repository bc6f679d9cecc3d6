import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  ConfigError,
  defineConfig,
  environmentOf,
  onOff,
  optionalStackSecret,
  optionalText,
  parseConfig,
  parseSetting,
  secret,
  secretVariables,
  stackSecret,
  text,
  url,
} from "./config";
import { loadConfig } from "./secrets";

/** SST's Config as a deployed function sees it: bound secrets, and a throw for any other name. */
const sst = vi.hoisted(() => ({ bound: {} as Record<string, string>, reads: [] as string[] }));
vi.mock("sst/node/config", () => ({
  Config: new Proxy(
    {},
    {
      get: (_target, name: string) => {
        sst.reads.push(name);
        const value = sst.bound[name];
        if (value === undefined) throw new Error(`Cannot use Config.${name}`);
        return value;
      },
    },
  ),
}));

/** A made-up function with one setting of every kind. */
const example = defineConfig("example", {
  endpoint: url("EXAMPLE_ENDPOINT"),
  name: text("EXAMPLE_NAME"),
  limits: onOff("EXAMPLE_LIMITS"),
  folder: optionalText("EXAMPLE_FOLDER"),
  password: secret("EXAMPLE_PASSWORD"),
});

const VALID = {
  EXAMPLE_ENDPOINT: "https://keys.example/jwks",
  EXAMPLE_NAME: "example",
  EXAMPLE_PASSWORD: "hunter2-but-longer",
};

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("a function's config", () => {
  it("parses the variables it declares into typed fields, and nothing else", () => {
    expect(parseConfig(example, { ...VALID, EXAMPLE_FOLDER: "/tmp/sql", UNRELATED: "x" })).toEqual({
      endpoint: "https://keys.example/jwks",
      name: "example",
      limits: true,
      folder: "/tmp/sql",
      password: "hunter2-but-longer",
    });
  });

  it("treats an empty variable as unset", () => {
    expect(
      parseConfig(example, { ...VALID, EXAMPLE_FOLDER: "", EXAMPLE_LIMITS: "" }),
    ).toMatchObject({ folder: undefined, limits: true });
    expect(problemsOf(() => parseConfig(example, { ...VALID, EXAMPLE_NAME: "" }))).toEqual([
      "EXAMPLE_NAME is not set",
    ]);
  });

  it("reads a switch as on unless it is off, and refuses anything else", () => {
    expect(parseConfig(example, { ...VALID, EXAMPLE_LIMITS: "on" }).limits).toBe(true);
    expect(parseConfig(example, { ...VALID, EXAMPLE_LIMITS: "off" }).limits).toBe(false);
    expect(problemsOf(() => parseConfig(example, { ...VALID, EXAMPLE_LIMITS: "no" }))).toEqual([
      'EXAMPLE_LIMITS must be "on" or "off"',
    ]);
  });

  it("names every bad variable in one error, and no value, secret or not", () => {
    const env = { EXAMPLE_ENDPOINT: "keys.example/jwks", EXAMPLE_LIMITS: "hunter2-leaked" };
    const run = () => parseConfig(example, env);
    expect(run).toThrow(ConfigError);
    expect(problemsOf(run)).toEqual([
      "EXAMPLE_ENDPOINT must be an absolute URL",
      "EXAMPLE_NAME is not set",
      'EXAMPLE_LIMITS must be "on" or "off"',
      "EXAMPLE_PASSWORD is not set (neither in the environment nor bound as an SST secret)",
    ]);
    expect(run).toThrow(/^the example function's settings are invalid: EXAMPLE_ENDPOINT/);
    for (const value of Object.values(env)) expect(run).not.toThrow(value);
  });

  it("builds the environment that parses back into the same values, leaving defaults unset", () => {
    const values = {
      endpoint: "https://keys.example/jwks",
      name: "example",
      limits: false,
      password: "hunter2-but-longer",
    };
    const env = environmentOf(example, values);
    expect(env).toEqual({ ...VALID, EXAMPLE_LIMITS: "off" });
    expect(parseConfig(example, env)).toEqual({ ...values, folder: undefined });
    expect(environmentOf(example, { limits: true, folder: undefined })).toEqual({});
  });

  it("builds values it cannot check yet, such as deploy-time tokens", () => {
    expect(environmentOf(example, { endpoint: "<api url, known at deploy>/jwks" })).toEqual({
      EXAMPLE_ENDPOINT: "<api url, known at deploy>/jwks",
    });
  });

  it("lists its secrets for infra to bind", () => {
    expect(secretVariables(example)).toEqual(["EXAMPLE_PASSWORD"]);
  });

  it("reads one setting on its own with the same rules", () => {
    expect(parseSetting(example.settings.limits, { EXAMPLE_LIMITS: "off" })).toBe(false);
    expect(parseSetting(example.settings.limits, {})).toBe(true);
    expect(() => parseSetting(example.settings.limits, { EXAMPLE_LIMITS: "1" })).toThrow(
      'invalid setting: EXAMPLE_LIMITS must be "on" or "off"',
    );
  });
});

describe("a secret the stack generates", () => {
  const withStackSecret = defineConfig("edge", { origin: stackSecret("EXAMPLE_ORIGIN_SECRET") });

  it("is read from the environment, never bound as an SST secret", () => {
    const value = "s".repeat(32);
    expect(parseConfig(withStackSecret, { EXAMPLE_ORIGIN_SECRET: value })).toEqual({
      origin: value,
    });
    expect(environmentOf(withStackSecret, { origin: value })).toEqual({
      EXAMPLE_ORIGIN_SECRET: value,
    });
    expect(secretVariables(withStackSecret)).toEqual([]);
  });

  it("refuses to be unset or shorter than 32 characters, without printing it", () => {
    expect(problemsOf(() => parseConfig(withStackSecret, {}))).toEqual([
      "EXAMPLE_ORIGIN_SECRET is not set (the stack generates it)",
    ]);
    const short = "short-origin-secret";
    const run = () => parseConfig(withStackSecret, { EXAMPLE_ORIGIN_SECRET: short });
    expect(problemsOf(run)).toEqual(["EXAMPLE_ORIGIN_SECRET must be at least 32 characters"]);
    expect(run).not.toThrow(short);
  });

  it("may be optional, and is then checked only when set", () => {
    const optional = defineConfig("edge", { next: optionalStackSecret("EXAMPLE_NEXT_SECRET") });
    expect(parseConfig(optional, {})).toEqual({ next: undefined });
    expect(environmentOf(optional, { next: undefined })).toEqual({});
    expect(problemsOf(() => parseConfig(optional, { EXAMPLE_NEXT_SECRET: "short" }))).toEqual([
      "EXAMPLE_NEXT_SECRET must be at least 32 characters",
    ]);
  });
});

describe("loading a config in a Lambda", () => {
  beforeEach(() => {
    sst.bound = {};
    sst.reads = [];
  });

  it("takes secrets from the environment when it has them, without asking SST", async () => {
    expect(await loadConfig(example, VALID)).toMatchObject({ password: "hunter2-but-longer" });
    expect(sst.reads).toEqual([]);
  });

  it("takes the other secrets from the SST secrets bound to the function", async () => {
    sst.bound = { EXAMPLE_PASSWORD: "from-ssm" };
    const { EXAMPLE_PASSWORD: _, ...plain } = VALID;
    expect(await loadConfig(example, plain)).toMatchObject({ password: "from-ssm" });
    expect(sst.reads).toEqual(["EXAMPLE_PASSWORD"]);
  });

  it("names a secret that is neither in the environment nor bound", async () => {
    const { EXAMPLE_PASSWORD: _, ...plain } = VALID;
    await expect(loadConfig(example, plain)).rejects.toThrow(
      "EXAMPLE_PASSWORD is not set (neither in the environment nor bound as an SST secret)",
    );
  });
});
