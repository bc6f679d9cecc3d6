import { CfnResource, Stack } from "aws-cdk-lib";
import { NagSuppressions } from "cdk-nag";
import type { IConstruct } from "constructs";

/**
 * cdk-nag suppressions, each with its one-line reason, put beside the construct it justifies
 * (`npm test` runs the AwsSolutions and Serverless packs; infra/cdk-nag.test.ts). An IAM finding
 * names the exact managed policy or wildcard resource (`appliesTo`), so a new one still fails.
 */
export function suppress(
  construct: IConstruct,
  reasons: Record<string, string>,
  options: { appliesTo?: Record<string, string[]>; applyToChildren?: boolean } = {},
): void {
  NagSuppressions.addResourceSuppressions(
    construct,
    Object.entries(reasons).map(([id, reason]) => {
      const appliesTo = options.appliesTo?.[id];
      return appliesTo ? { id, reason, appliesTo } : { id, reason };
    }),
    options.applyToChildren ?? false,
  );
}

/** How cdk-nag names a `Fn::GetAtt` of a resource in an IAM finding: `<LogicalId.Arn>`. */
export function arnFinding(resource: IConstruct): string {
  const cfn = resource.node.defaultChild ?? resource;
  if (!(cfn instanceof CfnResource)) throw new Error(`${resource.node.path} has no CfnResource`);
  return `<${Stack.of(cfn).resolve(cfn.logicalId)}.Arn>`;
}

/** The Lambda basic execution policy SST attaches to every function role (CloudWatch Logs only). */
export const LAMBDA_BASIC_EXECUTION =
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/** The findings every function of the stack shares, ours and SST's. */
export const FUNCTION_REASONS = {
  "Serverless-LambdaDLQ":
    "invoked synchronously only (API Gateway, the authorizer, a custom resource): errors return to the caller, a DLQ only receives asynchronous events",
  "Serverless-LambdaTracing":
    "X-Ray needs Resource '*' on the role; latency is measured with Server-Timing and k6 instead (tracing: disabled)",
} as const;
