import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { STAGE_SECRETS } from "../secrets";
import {
  checkStageSecrets,
  fallbackParameterName,
  formatMissingSecrets,
  type SecretsTarget,
  secretParameterName,
} from "./check-secrets";
import { type FakeSsm, startFakeSsm } from "./fake-ssm";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TARGET: SecretsTarget = { app: "auth-jwt-bridge", stage: "prod", region: "eu-central-1" };
const FAKE_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "fake-secret-key" };

let ssm: FakeSsm;
beforeAll(async () => {
  ssm = await startFakeSsm();
});
afterAll(() => ssm.close());
afterEach(() => {
  ssm.requests.length = 0;
  ssm.parameters.clear();
  ssm.failWith = undefined;
});

function client(region = TARGET.region): SSMClient {
  return new SSMClient({
    region,
    endpoint: ssm.endpoint,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
}

describe("where SST v2 keeps secrets", () => {
  it("uses /sst/{app}/{stage}/Secret/{NAME}/value and the .fallback stage", () => {
    expect(secretParameterName(TARGET, "DATABASE_URL")).toBe(
      "/sst/auth-jwt-bridge/prod/Secret/DATABASE_URL/value",
    );
    expect(fallbackParameterName(TARGET, "DATABASE_URL")).toBe(
      "/sst/auth-jwt-bridge/.fallback/Secret/DATABASE_URL/value",
    );
  });

  it("follows a configured ssmPrefix for the stage, not for the fallback", () => {
    const target = { ...TARGET, ssmPrefix: "/custom/prod/" };
    expect(secretParameterName(target, "A-B")).toBe("/custom/prod/Secret/A_B/value");
    expect(fallbackParameterName(target, "A-B")).toBe(
      "/sst/auth-jwt-bridge/.fallback/Secret/A_B/value",
    );
  });
});

describe("the pre-deploy secrets check, against the real SDK", () => {
  it("passes when every secret is set for the stage, in one signed GetParameters call", async () => {
    for (const name of STAGE_SECRETS) ssm.parameters.add(secretParameterName(TARGET, name));

    const result = await checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    expect(result).toEqual({ missing: [], fromFallback: [] });
    expect(ssm.requests).toHaveLength(1);
    const [request] = ssm.requests;
    expect(request?.headers["x-amz-target"]).toBe("AmazonSSM.GetParameters");
    expect(request?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    // Signed for SSM in the deploy's region: a check in another region would prove nothing.
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/ssm\/aws4_request,/,
    );
    expect(request?.body).toEqual({
      Names: [
        "/sst/auth-jwt-bridge/prod/Secret/BETTER_AUTH_SECRET/value",
        "/sst/auth-jwt-bridge/prod/Secret/DATABASE_URL/value",
      ],
      WithDecryption: false,
    });
  });

  it("names a missing secret and the exact command that sets it in the deploy's region", async () => {
    ssm.parameters.add(secretParameterName(TARGET, "BETTER_AUTH_SECRET"));

    const result = await checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    expect(result).toEqual({ missing: ["DATABASE_URL"], fromFallback: [] });
    // The stage first, then the fallback for what the stage lacks, as the functions look them up.
    expect(ssm.requests.map((r) => r.body)).toEqual([
      {
        Names: [
          "/sst/auth-jwt-bridge/prod/Secret/BETTER_AUTH_SECRET/value",
          "/sst/auth-jwt-bridge/prod/Secret/DATABASE_URL/value",
        ],
        WithDecryption: false,
      },
      {
        Names: ["/sst/auth-jwt-bridge/.fallback/Secret/DATABASE_URL/value"],
        WithDecryption: false,
      },
    ]);
    const message = formatMissingSecrets(result.missing, TARGET);
    expect(message).toContain("missing a secret in eu-central-1: DATABASE_URL");
    expect(message).toContain(
      "AWS_REGION=eu-central-1 npx sst secrets set DATABASE_URL <value> --stage prod",
    );
    expect(message).not.toContain("secrets set BETTER_AUTH_SECRET");
  });

  it("lists every missing secret with its own command", async () => {
    const result = await checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    expect(result.missing).toEqual(["BETTER_AUTH_SECRET", "DATABASE_URL"]);
    const message = formatMissingSecrets(result.missing, TARGET);
    expect(message).toContain(
      "missing 2 secrets in eu-central-1: BETTER_AUTH_SECRET, DATABASE_URL",
    );
    for (const name of STAGE_SECRETS)
      expect(message).toContain(
        `AWS_REGION=eu-central-1 npx sst secrets set ${name} <value> --stage prod`,
      );
  });

  it("accepts a secret that only exists as a fallback, as the functions do", async () => {
    ssm.parameters.add(secretParameterName(TARGET, "DATABASE_URL"));
    ssm.parameters.add(fallbackParameterName(TARGET, "BETTER_AUTH_SECRET"));

    const result = await checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    expect(result).toEqual({ missing: [], fromFallback: ["BETTER_AUTH_SECRET"] });
  });

  it("does not count a secret of another stage", async () => {
    for (const name of STAGE_SECRETS)
      ssm.parameters.add(secretParameterName({ ...TARGET, stage: "staging" }, name));

    const result = await checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    expect(result.missing).toEqual([...STAGE_SECRETS]);
  });

  it("asks in chunks of 10, GetParameters' limit", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `SECRET_${i}`);
    for (const name of names) ssm.parameters.add(secretParameterName(TARGET, name));

    const result = await checkStageSecrets(client(), TARGET, names);

    expect(result.missing).toEqual([]);
    expect(ssm.requests.map((r) => (r.body as { Names: string[] }).Names.length)).toEqual([10, 2]);
  });

  it("turns a denied call into a message naming the permission the deploy role lacks", async () => {
    ssm.failWith = {
      status: 400,
      type: "AccessDeniedException",
      message: "User is not authorized to perform: ssm:GetParameters",
    };

    const failure = checkStageSecrets(client(), TARGET, STAGE_SECRETS);

    await expect(failure).rejects.toThrow(
      /Could not check the secrets of stage "prod" in eu-central-1/,
    );
    await expect(failure).rejects.toThrow(/AccessDeniedException/);
    await expect(failure).rejects.toThrow(
      /ssm:GetParameters on arn:aws:ssm:eu-central-1:<account>:parameter\/sst\/auth-jwt-bridge\/prod\/Secret\/BETTER_AUTH_SECRET\/value/,
    );
  });
});

// The whole wrapper as `npm run deploy -- …` runs it, up to the point where it would start sst.
describe("npm run deploy", { timeout: 120_000 }, () => {
  // SST lets .env files override the shell, so a developer's own .env would change the outcome.
  const hasLocalEnvFiles = [".env", ".env.local"].some((file) => existsSync(join(ROOT, file)));

  // Asynchronous on purpose: the fake SSM endpoint answers from this process's event loop.
  function runDeploy(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", "infra/deploy/deploy.ts", ...args], {
      cwd: ROOT,
      timeout: 110_000,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_MAX_ATTEMPTS: "1",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("close", (status) => resolve({ status, stdout, stderr })),
    );
  }

  it.skipIf(hasLocalEnvFiles)(
    "fails before sst starts, looking in the region sst.config.ts resolves from AWS_REGION",
    async () => {
      ssm.parameters.add(
        secretParameterName({ ...TARGET, stage: "ci-check" }, "BETTER_AUTH_SECRET"),
      );

      const run = await runDeploy(["--stage", "ci-check"], { AWS_REGION: "ap-southeast-2" });

      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain("missing a secret in ap-southeast-2: DATABASE_URL");
      expect(run.stderr).toContain(
        "AWS_REGION=ap-southeast-2 npx sst secrets set DATABASE_URL <value> --stage ci-check",
      );
      expect(run.stdout).not.toContain("sst deploy");
      expect(ssm.requests[0]?.headers.authorization).toMatch(/\/ap-southeast-2\/ssm\/aws4_request/);
    },
  );

  it.skipIf(hasLocalEnvFiles)(
    "with every secret set, runs sst deploy for the checked stage and region and passes on its failure",
    async () => {
      for (const name of STAGE_SECRETS)
        ssm.parameters.add(secretParameterName({ ...TARGET, stage: "ci-check" }, name));

      // Every AWS endpoint is the fake, which refuses all but SSM: sst gets as far as its first call.
      const run = await runDeploy(["--stage", "ci-check"], {
        AWS_REGION: "ap-southeast-2",
        AWS_ENDPOINT_URL: ssm.endpoint,
      });

      expect(run.stdout).toContain('Secrets of stage "ci-check" in ap-southeast-2');
      expect(run.stdout).toContain("sst deploy --stage ci-check --region ap-southeast-2");
      const sstCalls = ssm.requests.filter((r) => typeof r.body === "string");
      expect(sstCalls.length).toBeGreaterThan(0);
      for (const call of sstCalls)
        expect(call.headers.authorization).toMatch(
          /\/ap-southeast-2\/(sts|cloudformation)\/aws4_request/,
        );
      expect(`${run.stdout}${run.stderr}`).toContain(
        "The security token included in the request is invalid",
      );
      expect(run.status).toBe(1);
    },
  );
});
