import { resolve } from "node:path";
import { Aspects } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import {
  AwsSolutionsChecks,
  type INagLogger,
  type NagLoggerErrorData,
  type NagLoggerNonComplianceData,
  NagMessageLevel,
  ServerlessChecks,
} from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { constructApp, TEST_REGION } from "./synthesize";

/**
 * cdk-nag's AwsSolutions and Serverless packs on the real app. Every finding is either fixed or
 * suppressed beside its construct with a one-line reason (infra/nag-suppressions.ts, docs/deploy.md);
 * a new one fails here with its rule, construct path and message.
 *
 * The test stage is synthesized in full (bundles, site build, `app.finish()`), so SST's deferred
 * constructs (the site upload) are checked too; prod is checked on its construct tree, which
 * differs from test only in stage settings (WAF on, retained logs).
 */

interface Findings {
  /** `level rule path: message`, one per unsuppressed finding or rule that threw. */
  unsuppressed: string[];
  errors: number;
  warnings: number;
  suppressed: number;
}

/** Applies both packs to the app before it synthesizes, collecting what they report. */
function checkApp(app: Parameters<typeof Aspects.of>[0]): Findings {
  const findings: Findings = { unsuppressed: [], errors: 0, warnings: 0, suppressed: 0 };
  const describe = (data: NagLoggerNonComplianceData | NagLoggerErrorData, detail: string) =>
    `${data.ruleLevel} ${data.ruleId} ${data.resource.node.path}: ${detail}`;
  const logger: INagLogger = {
    onCompliance() {},
    onNotApplicable() {},
    onNonCompliance(data) {
      if (data.ruleLevel === NagMessageLevel.ERROR) findings.errors++;
      else findings.warnings++;
      const finding = data.findingId ? ` [${data.findingId}]` : "";
      findings.unsuppressed.push(describe(data, `${data.ruleInfo}${finding}`));
    },
    onSuppressed() {
      findings.suppressed++;
    },
    onError(data) {
      findings.unsuppressed.push(describe(data, `the rule threw: ${data.errorMessage}`));
    },
    onSuppressedError() {
      findings.suppressed++;
    },
  };
  const options = { verbose: true, reports: false, additionalLoggers: [logger] };
  Aspects.of(app).add(new AwsSolutionsChecks(options));
  Aspects.of(app).add(new ServerlessChecks(options));
  return findings;
}

/** SST's own work folder for this suite, so its site build never races app-stack.test.ts's. */
const OUT = resolve(".sst", "cdk-nag");

/**
 * SST writes each function's real runtime when it builds the bundle; before that the function
 * carries its placeholder (nodejs22.x). Prod is checked unbuilt, so the two runtime rules are
 * proven on the test stage, which is built, and only there.
 */
const RUNTIME_RULES = ["AwsSolutions-L1", "Serverless-LambdaLatestVersion"];

function unsuppressedBeforeBuild({ unsuppressed }: Findings): string[] {
  return unsuppressed.filter(
    (line) =>
      !RUNTIME_RULES.some((rule) => line.includes(` ${rule} `) && /Function\/Resource:/.test(line)),
  );
}

function report(stage: string, { errors, warnings, suppressed }: Findings): void {
  console.log(
    `cdk-nag ${stage}: ${errors} errors, ${warnings} warnings unsuppressed; ${suppressed} suppressed`,
  );
}

describe("cdk-nag (AwsSolutions, Serverless)", () => {
  let test: Findings;

  beforeAll(async () => {
    process.env.SST_BUILD_CONCURRENCY ??= "6";
    const { app, stack } = await constructApp("test", {}, TEST_REGION, OUT);
    test = checkApp(app);
    await app.finish();
    Template.fromStack(stack);
    report("test", test);
  }, 240_000);

  it("the test stage, synthesized in full, has no unsuppressed finding", () => {
    expect(test.unsuppressed).toEqual([]);
    expect(test.suppressed).toBeGreaterThan(0);
  });

  it("the prod stage has no unsuppressed finding", async () => {
    const { app, stack } = await constructApp("prod", {}, TEST_REGION, OUT);
    const prod = checkApp(app);
    Template.fromStack(stack);
    report("prod", prod);
    expect(unsuppressedBeforeBuild(prod)).toEqual([]);
  });

  it("prod on a custom domain has no unsuppressed finding (CloudFront enforces TLSv1.2 there)", async () => {
    const { app, stack } = await constructApp(
      "prod",
      {
        SITE_DOMAIN: "app.example.com",
        SITE_CERTIFICATE_ARN:
          "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
      },
      TEST_REGION,
      OUT,
    );
    const prod = checkApp(app);
    Template.fromStack(stack);
    report("prod with a custom domain", prod);
    expect(unsuppressedBeforeBuild(prod)).toEqual([]);
  });
});
