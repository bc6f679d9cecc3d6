import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STAGE_SECRETS } from "../secrets";
import { STAGE_SETTING_VARIABLES } from "../stage-settings";
import {
  fallbackParameterName,
  SECRETS_CHECK_POLICY_SID,
  secretParameterName,
} from "./check-secrets";
import {
  type AccessRequest,
  allowingStatements,
  asList,
  isAllowed,
  type PolicyDocument,
  validatePolicy,
  wildcard,
} from "./iam-policy";

function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), "utf8"));
}

const policy = readJson("./deploy-role-policy.json") as PolicyDocument;
const trust = readJson("./github-oidc-trust-policy.json") as PolicyDocument;

// A deploy of stage `prod` to eu-central-1 in account 123456789012; SST names the stack
// `${stage}-${app}-${id}` (App.logicalPrefixedName in sst/src/constructs/App.ts).
const ACCOUNT = "123456789012";
const REGION = "eu-central-1";
const APP_STACK = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/prod-auth-jwt-bridge-AppStack/0a1b2c3d`;
const role = (name: string) =>
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-${name}-${ACCOUNT}-${REGION}`;
const TARGET = { app: "auth-jwt-bridge", stage: "prod", region: REGION };

/** One call per action, all made by `source` on `resource`. */
function calls(source: string, resource: string, ...actions: string[]) {
  return actions.map((action) => ({ source, call: { action, resource } }));
}

const DEPLOY = "sst/src/stacks/deploy.ts";
const BOOTSTRAP_VERSION = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/cdk-bootstrap/hnb659fds/version`;
const APP_METADATA =
  "arn:aws:s3:::sstbootstrap-eucentral1a1b2c3d-x9y8z7/appMetadata/app.auth-jwt-bridge/stage.prod.json";

/**
 * Every AWS call `sst deploy` (SST 2.49, aws-cdk toolkit-lib 1.1) makes with the caller's own
 * credentials on a bootstrapped account, and the call our pre-deploy check adds.
 */
const DEPLOY_CALLS: { call: AccessRequest; source: string }[] = [
  // loadCDKStatus and loadSSTStatus: is the account bootstrapped (and recent enough)?
  ...["CDKToolkit", "SSTBootstrap"].flatMap((stack) =>
    calls(
      "sst/src/bootstrap.ts",
      `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/1`,
      "cloudformation:DescribeStacks",
    ),
  ),
  // getCloudFormationStack, then createCloudFormationStack or updateCloudFormationStack;
  // deleteCloudFormationStack: a stack in ROLLBACK_COMPLETE (failed first deploy) is deleted first.
  ...calls(
    DEPLOY,
    APP_STACK,
    "cloudformation:DescribeStacks",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:DeleteStack",
  ),
  // listImports, from addInUseExports, for exports the new template drops.
  ...calls(DEPLOY, "*", "cloudformation:ListImports"),
  // Stack tags sst:app and sst:stage (App.finish) go into CreateStack/UpdateStack's Tags.
  ...calls("sst/src/constructs/App.ts", APP_STACK, "cloudformation:TagResource"),
  // monitor: polls DescribeStacks, DescribeStackResources and DescribeStackEvents until final.
  ...calls(
    "sst/src/stacks/monitor.ts",
    APP_STACK,
    "cloudformation:DescribeStackResources",
    "cloudformation:DescribeStackEvents",
  ),
  {
    // buildCloudFormationStackParams: RoleARN is the CDK execution role.
    source: DEPLOY,
    call: {
      action: "iam:PassRole",
      resource: role("cfn-exec-role"),
      context: { "iam:PassedToService": "cloudformation.amazonaws.com" },
    },
  },
  // createCdkDeployments → toolkit-lib Deployments: accessStackForMutableStackOperations;
  // buildAndPublishAssets → cdk-assets publishes files (and images) with the publishing roles.
  ...["deploy-role", "file-publishing-role", "image-publishing-role"].flatMap((name) =>
    calls(DEPLOY, role(name), "sts:AssumeRole"),
  ),
  // provideContextValues: HostedZone.fromLookup (SITE_DOMAIN) runs with the lookup role.
  ...calls("sst/src/stacks/synth.ts", role("lookup-role"), "sts:AssumeRole"),
  // toolkit-lib's validateVersion reads it; CloudFormation resolves the template's
  // BootstrapVersion parameter with GetParameters as the caller of CreateStack/UpdateStack.
  ...calls(DEPLOY, BOOTSTRAP_VERSION, "ssm:GetParameter", "ssm:GetParameters"),
  // TemplateURL points into the CDK assets bucket; CloudFormation fetches it as the caller.
  ...calls(
    DEPLOY,
    `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}/0123abcd.json`,
    "s3:GetObject",
  ),
  // useAppMetadata / saveAppMetadata: the stage's mode ("deploy" vs "dev") in the SST bucket.
  ...calls("sst/src/stacks/app-metadata.ts", APP_METADATA, "s3:GetObject", "s3:PutObject"),
  // checkStageSecrets: the stage's secrets, then the fallbacks, without decryption.
  ...STAGE_SECRETS.flatMap((name) =>
    [secretParameterName(TARGET, name), fallbackParameterName(TARGET, name)].flatMap((parameter) =>
      calls(
        "infra/deploy/check-secrets.ts",
        `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${parameter}`,
        "ssm:GetParameters",
      ),
    ),
  ),
];

// Actions IAM authorizes only against "*" (no resource types in the Service Authorization Reference).
const ACTIONS_WITHOUT_RESOURCE_TYPES = new Set(["cloudformation:ListImports"]);

describe("the deploy role policy", () => {
  it("is a valid identity policy with a Sid on every statement", () => {
    expect(validatePolicy(policy, "identity")).toEqual([]);
  });

  it("fits a managed policy (6,144 characters without whitespace)", () => {
    expect(JSON.stringify(policy).replace(/\s/g, "").length).toBeLessThan(6144);
  });

  it.each(
    DEPLOY_CALLS.map(({ call, source }) => [call.action, call.resource, source, call] as const),
  )("allows %s on %s (%s)", (_action, _resource, _source, call) => {
    expect(isAllowed(policy, call)).toBe(true);
  });

  it("grants nothing SST does not call: every statement serves at least one call", () => {
    const used = new Set(
      DEPLOY_CALLS.flatMap(({ call }) => allowingStatements(policy, call).map((s) => s.Sid)),
    );
    expect(policy.Statement.map((s) => s.Sid).filter((sid) => !used.has(sid))).toEqual([]);
  });

  it("has the statement the secrets check names when SSM refuses it", () => {
    const statement = policy.Statement.find((s) => s.Sid === SECRETS_CHECK_POLICY_SID);
    expect(statement?.Action).toBe("ssm:GetParameters");
  });

  it('has no "Action": "*" and no service-wide wildcard', () => {
    for (const statement of policy.Statement)
      for (const action of asList(statement.Action)) expect(action).not.toMatch(/(^\*$|:\*$)/);
  });

  it('uses "Resource": "*" only for actions without resource types, and says so in the Sid', () => {
    for (const statement of policy.Statement) {
      if (!asList(statement.Resource ?? []).includes("*")) continue;
      for (const action of asList(statement.Action))
        expect(ACTIONS_WITHOUT_RESOURCE_TYPES.has(action), `${statement.Sid}: ${action}`).toBe(
          true,
        );
      expect(statement.Sid).toMatch(/NoResourceLevelPermissions/);
    }
  });

  it("passes only the CDK execution role, and only to CloudFormation", () => {
    const passRole = policy.Statement.filter((s) =>
      asList(s.Action).some((action) => wildcard(action.toLowerCase()).test("iam:passrole")),
    );
    expect(passRole).toHaveLength(1);
    expect(passRole[0]?.Resource).toBe("arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*");
    const toCloudFormation = { "iam:PassedToService": "cloudformation.amazonaws.com" };
    expect(isAllowed(policy, { action: "iam:PassRole", resource: role("cfn-exec-role") })).toBe(
      false,
    );
    for (const other of ["deploy-role", "lookup-role", "file-publishing-role"])
      expect(
        isAllowed(policy, {
          action: "iam:PassRole",
          resource: role(other),
          context: toCloudFormation,
        }),
      ).toBe(false);
    expect(
      isAllowed(policy, {
        action: "iam:PassRole",
        resource: role("cfn-exec-role"),
        context: { "iam:PassedToService": "lambda.amazonaws.com" },
      }),
    ).toBe(false);
    expect(
      isAllowed(policy, {
        action: "iam:PassRole",
        resource: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        context: toCloudFormation,
      }),
    ).toBe(false);
  });

  it.each<[string, AccessRequest]>([
    [
      "another app's stack",
      {
        action: "cloudformation:UpdateStack",
        resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/prod-billing-AppStack/1`,
      },
    ],
    [
      "the SST bootstrap stack (bootstrapping is an admin's job)",
      {
        action: "cloudformation:UpdateStack",
        resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/SSTBootstrap/1`,
      },
    ],
    [
      "deleting the CDK bootstrap stack",
      {
        action: "cloudformation:DeleteStack",
        resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/CDKToolkit/1`,
      },
    ],
    [
      "writing a secret",
      {
        action: "ssm:PutParameter",
        resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/sst/auth-jwt-bridge/prod/Secret/DATABASE_URL/value`,
      },
    ],
    [
      "reading all of the app's parameters by path",
      {
        action: "ssm:GetParametersByPath",
        resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/sst/auth-jwt-bridge/prod`,
      },
    ],
    [
      "another app's secrets",
      {
        action: "ssm:GetParameters",
        resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/sst/billing/prod/Secret/DATABASE_URL/value`,
      },
    ],
    [
      "decrypting a secret",
      { action: "kms:Decrypt", resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234` },
    ],
    [
      "another app's metadata",
      {
        action: "s3:PutObject",
        resource: "arn:aws:s3:::sstbootstrap-x/appMetadata/app.billing/stage.prod.json",
      },
    ],
    [
      "writing to the CDK assets bucket (the file-publishing role does that)",
      {
        action: "s3:PutObject",
        resource: `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}/x.zip`,
      },
    ],
    [
      "assuming any other role",
      { action: "sts:AssumeRole", resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
    ],
  ])("does not allow %s", (_what, request) => {
    expect(isAllowed(policy, request)).toBe(false);
  });
});

describe("the GitHub OIDC trust policy template", () => {
  it("is a valid trust policy", () => {
    expect(validatePolicy(trust, "trust")).toEqual([]);
  });

  it("trusts only GitHub's OIDC provider, for STS, from named environments of one repository", () => {
    const [statement, ...others] = trust.Statement;
    expect(others).toEqual([]);
    expect(statement?.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(statement?.Principal).toEqual({
      Federated: "arn:aws:iam::<ACCOUNT_ID>:oidc-provider/token.actions.githubusercontent.com",
    });
    expect(Object.keys(statement?.Condition ?? {})).toEqual(["StringEquals"]);
    const equals = statement?.Condition?.StringEquals ?? {};
    expect(equals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
    // Exact environments, no wildcard: a pull request's workflow cannot assume the role.
    for (const subject of asList(equals["token.actions.githubusercontent.com:sub"] ?? []))
      expect(subject).toMatch(/^repo:<OWNER>\/<REPO>:environment:[a-z][a-z0-9-]*$/);
  });
});

interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JavaScript.
const REGION_VARIABLE = "${{ vars.AWS_REGION }}";

describe("the deploy workflow", () => {
  const workflowPath = fileURLToPath(
    new URL("../../.github/workflows/deploy.yml", import.meta.url),
  );
  const source = readFileSync(workflowPath, "utf8");
  const workflow = parse(source) as {
    jobs: { deploy: { env: Record<string, string>; steps: WorkflowStep[] } };
  };
  const deploy = workflow.jobs.deploy;

  it("points its setup comment at the checked-in policies", () => {
    expect(source).toContain("infra/deploy/deploy-role-policy.json");
    expect(source).toContain("infra/deploy/github-oidc-trust-policy.json");
  });

  it("uses the environment's AWS_REGION for every step, credentials and deploy alike", () => {
    expect(deploy.env.AWS_REGION).toBe(REGION_VARIABLE);
    const credentials = deploy.steps.find((step) =>
      step.uses?.startsWith("aws-actions/configure-aws-credentials"),
    );
    expect(credentials?.with?.["aws-region"]).toBe(REGION_VARIABLE);
    for (const step of deploy.steps) expect(step.env?.AWS_REGION).toBeUndefined();
  });

  it("deploys through npm run deploy, so the secrets check runs first", () => {
    const runs = deploy.steps.map((step) => step.run ?? "");
    expect(runs.some((run) => /npm run deploy -- --stage "\$STAGE"/.test(run))).toBe(true);
    expect(runs.some((run) => /sst deploy/.test(run))).toBe(false);
  });

  it("passes every stage setting from the environment's variables, under its own name", () => {
    const step = deploy.steps.find((s) => /npm run deploy/.test(s.run ?? ""));
    expect(Object.keys(step?.env ?? {}).sort()).toEqual([...STAGE_SETTING_VARIABLES].sort());
    for (const [name, value] of Object.entries(step?.env ?? {}))
      expect(value).toBe(`\${{ vars.${name} }}`);
  });
});

describe("the optional preview workflow: a stage and a Neon branch per pull request", () => {
  const source = readFileSync(
    fileURLToPath(new URL("../../.github/workflows/preview.yml", import.meta.url)),
    "utf8",
  );
  const workflow = parse(source) as {
    jobs: Record<
      "deploy" | "remove",
      { if: string; env: Record<string, string>; steps: WorkflowStep[] }
    >;
  };
  const { deploy, remove } = workflow.jobs;
  const step = (job: typeof deploy, action: string) => {
    const found = job.steps.find((s) => s.uses?.startsWith(action));
    if (!found) throw new Error(`no ${action} step`);
    return found;
  };

  it("does nothing until NEON_PROJECT_ID is set, and removes only on close", () => {
    expect(deploy.if).toBe("vars.NEON_PROJECT_ID != '' && github.event.action != 'closed'");
    expect(remove.if).toBe("vars.NEON_PROJECT_ID != '' && github.event.action == 'closed'");
  });

  it("creates and deletes the same branch, and the stage is named after the PR in both jobs", () => {
    const created = step(deploy, "neondatabase/create-branch-action@").with?.branch_name;
    const deleted = step(remove, "neondatabase/delete-branch-action@").with?.branch;
    expect(created).toBe(deleted);
    expect(created).toContain("github.event.number");
    expect(deploy.env.STAGE).toBe(remove.env.STAGE);
  });

  it("deploys through npm run deploy on the pooled URL, removes the stage before the branch", () => {
    const runs = deploy.steps.map((s) => s.run ?? "");
    expect(runs.some((run) => /npm run deploy -- --stage "\$STAGE"/.test(run))).toBe(true);
    expect(source).toContain("steps.neon.outputs.db_url_with_pooler");
    const order = remove.steps.map((s) => s.uses ?? s.run ?? "");
    const removed = order.findIndex((text) => text.includes("npx sst remove"));
    const branchDeleted = order.findIndex((text) => text.startsWith("neondatabase/delete-branch"));
    expect(removed).toBeGreaterThan(-1);
    expect(branchDeleted).toBeGreaterThan(removed);
  });

  it("passes only stage settings the stack knows", () => {
    const deployStep = deploy.steps.find((s) => /npm run deploy/.test(s.run ?? ""));
    for (const name of Object.keys(deployStep?.env ?? {}))
      expect(STAGE_SETTING_VARIABLES).toContain(name);
  });
});
