import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  applyEnvFiles,
  DeployError,
  parseDeployArguments,
  sstDeployArguments,
  stageWouldBePrompted,
  targetFromProject,
} from "./deploy-target";

const directories: string[] = [];
function temporaryRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "deploy-target-"));
  directories.push(root);
  return root;
}
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

describe("npm run deploy arguments", () => {
  it("reads the stage and region in both spellings and keeps every argument for sst", () => {
    const args = parseDeployArguments(["--stage", "prod", "--region=eu-central-1", "Api"]);
    expect(args).toEqual({
      stage: "prod",
      region: "eu-central-1",
      args: ["--stage", "prod", "--region=eu-central-1", "Api"],
    });
  });

  it("reads --profile and --role so they cannot be lost", () => {
    expect(
      parseDeployArguments(["--profile", "ops", "--role=arn:aws:iam::1:role/x"]),
    ).toMatchObject({ profile: "ops", role: "arn:aws:iam::1:role/x" });
  });

  it.each([
    [["--stage"], "--stage needs a value"],
    [["--stage", "--region", "x"], "--stage needs a value"],
    [["--region="], "--region needs a value"],
    [["--stage", "a", "--stage=b"], "--stage is given twice"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseDeployArguments(argv)).toThrow(new DeployError(message));
  });

  it("pins sst deploy to the stage and region the check used when they were implicit", () => {
    const target = { app: "auth-jwt-bridge", stage: "alice", region: "eu-west-1" };
    expect(sstDeployArguments(parseDeployArguments([]), target)).toEqual([
      "deploy",
      "--stage",
      "alice",
      "--region",
      "eu-west-1",
    ]);
    expect(
      sstDeployArguments(parseDeployArguments(["--stage=alice", "--region", "eu-west-1"]), target),
    ).toEqual(["deploy", "--stage=alice", "--region", "eu-west-1"]);
  });
});

describe("npm run deploy", () => {
  it("runs the checking wrapper, not sst deploy directly", () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { scripts: Record<string, string> };
    expect(manifest.scripts.deploy).toBe("node --import tsx infra/deploy/deploy.ts");
  });
});

describe("the deploy target", () => {
  it("comes from SST's resolved project config, prefix and profile included", () => {
    expect(
      targetFromProject({
        name: "auth-jwt-bridge",
        stage: "prod",
        region: "eu-central-1",
        ssmPrefix: "/sst/auth-jwt-bridge/prod/",
        profile: "ops",
      }),
    ).toEqual({
      app: "auth-jwt-bridge",
      stage: "prod",
      region: "eu-central-1",
      ssmPrefix: "/sst/auth-jwt-bridge/prod/",
      profile: "ops",
    });
  });

  it("refuses a config without a region", () => {
    expect(() => targetFromProject({ name: "a", stage: "b" })).toThrow(DeployError);
  });

  it("knows when SST would have to prompt for a personal stage", () => {
    const root = temporaryRoot();
    expect(stageWouldBePrompted(parseDeployArguments([]), root, {})).toBe(true);
    expect(stageWouldBePrompted(parseDeployArguments(["--stage", "x"]), root, {})).toBe(false);
    expect(stageWouldBePrompted(parseDeployArguments([]), root, { SST_STAGE: "x" })).toBe(false);
    mkdirSync(join(root, ".sst"));
    writeFileSync(join(root, ".sst", "stage"), "alice\n");
    expect(stageWouldBePrompted(parseDeployArguments([]), root, {})).toBe(false);
  });
});

describe(".env files", () => {
  it("override the environment in order, like SST's dotenv calls, and may be absent", () => {
    const root = temporaryRoot();
    writeFileSync(join(root, ".env"), "AWS_REGION=eu-west-1\nKEEP=from-file\n");
    writeFileSync(join(root, ".env.local"), "AWS_REGION='ap-south-1'\n");
    const env: NodeJS.ProcessEnv = { AWS_REGION: "us-east-2", OTHER: "shell" };

    applyEnvFiles(root, [".env", ".env.local", ".env.missing"], env);

    expect(env).toEqual({ AWS_REGION: "ap-south-1", KEEP: "from-file", OTHER: "shell" });
  });
});
