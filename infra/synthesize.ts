import { existsSync } from "node:fs";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type Stack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import config, { APP_NAME } from "../sst.config";
import { AppStack } from "./app-stack";
import { STAGE_SETTING_VARIABLES } from "./stage-settings";

type StageSettingVariable = (typeof STAGE_SETTING_VARIABLES)[number];

export const TEST_ACCOUNT = "123456789012";
export const TEST_REGION = "us-east-1";

/** Settings every stage must have, as the synth tests give them unless told otherwise. */
export const REQUIRED_TEST_SETTINGS: Partial<Record<StageSettingVariable, string>> = {
  MAIL_IDENTITY: "example.com",
};

export interface SynthesizedApp {
  template: Template;
  /** The cloud assembly folder (`cdk.out`), where every bundled asset is staged. */
  assemblyDirectory: string;
  stackName: string;
  durationMs: number;
}

/**
 * Builds the construct tree of the real app (the same `stacks()` as `sst deploy`) for a stage,
 * without bundling anything. Needs NODE_ENV=test (vitest sets it), which keeps SST from calling
 * AWS; `initProject` is given the stage so it never prompts for one.
 */
export async function constructApp(
  stage: string,
  settings: Partial<Record<StageSettingVariable, string>> = {},
  region: string = TEST_REGION,
  /** SST's work folder (site build, bundles), for a suite that synthesizes beside another one. */
  outDirectory?: string,
): Promise<{ app: App; stack: Stack }> {
  if (process.env.NODE_ENV !== "test") throw new Error("the offline synth needs NODE_ENV=test");
  await initProject({ stage, region });
  if (outDirectory) {
    const { paths } = useProject();
    paths.out = outDirectory;
    paths.artifacts = join(outDirectory, "artifacts");
  }
  // Exactly the given stage settings: nothing from the shell or an .env file leaks into the test.
  const given = { ...REQUIRED_TEST_SETTINGS, ...settings };
  for (const name of STAGE_SETTING_VARIABLES) {
    const value = given[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const app = new App({
    mode: "deploy",
    stage,
    name: APP_NAME,
    region,
    account: TEST_ACCOUNT,
  });
  await config.stacks(app);
  return { app, stack: getStack(AppStack) };
}

/**
 * Synthesizes the real app offline as a deploy would: every function bundled by esbuild, the
 * site built, removal policies applied (`app.finish()`), then the CloudFormation template.
 */
export async function synthesizeApp(stage: string): Promise<SynthesizedApp> {
  const started = performance.now();
  // Bundle the functions concurrently with the site build (esbuild and astro run out of process);
  // SST's default is one task per spare core, which is a single task on a 2-core runner.
  process.env.SST_BUILD_CONCURRENCY ??= "6";
  const { app, stack } = await constructApp(stage);
  await app.finish();
  const finished = performance.now();
  const template = Template.fromStack(stack);
  console.log(
    `synth phases: construct+bundle+site ${Math.round(finished - started)} ms, template ${Math.round(performance.now() - finished)} ms`,
  );
  return {
    template,
    assemblyDirectory: app.outdir,
    stackName: stack.stackName,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The staged folder of a Lambda's code asset, from its `Code.S3Key` (`<hash>.zip`). */
export function assetDirectory(assemblyDirectory: string, s3Key: string): string {
  const directory = join(assemblyDirectory, `asset.${s3Key.replace(/\.zip$/, "")}`);
  if (!existsSync(directory))
    throw new Error(`no staged asset for ${s3Key} in ${assemblyDirectory}`);
  return directory;
}
