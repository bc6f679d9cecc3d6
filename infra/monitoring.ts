import { Duration, type Stack } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { MetricName } from "../functions/shared/metrics";
import type { LambdaName } from "./function-settings";
import { suppress } from "./nag-suppressions";

/**
 * Alarms and a dashboard per stage, all notifying one SNS topic. Thresholds come from the
 * performance targets the k6 scripts hold a stage to (load/verify.ts, load/api.ts) and are
 * explained in docs/operations.md. The product metrics are the EMF lines the functions write
 * (functions/shared/metrics.ts): CloudWatch Logs extracts them, so they cost no I/O on a
 * request's path, and the alarms read exactly what the functions emit.
 */
export const ALARM_THRESHOLDS = {
  /** load/api.ts: every endpoint's p(99) under 250 ms (p(95) under 100 ms). */
  apiLatencyP99Ms: 250,
  /** load/verify.ts: token verification p(99) under 5 ms. */
  verifyDurationP99Ms: 5,
  /** Of all API requests in five minutes, once at least `minRequests` came in. */
  api5xxPercent: 1,
  minRequests: 20,
  /** Denied requests in five minutes: far above a client's expired tokens, tune it to traffic. */
  authorizerDenies: 100,
  /** Accounts locked in five minutes: one is a forgetful user, this many is a guessing campaign. */
  lockouts: 5,
} as const;

/** The namespace of a stage's product metrics (one per stage): the functions' METRICS_NAMESPACE. */
export function metricsNamespace(stackName: string): string {
  return `AuthJwtBridge/${stackName}`;
}

const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoringProps {
  functions: Record<LambdaName, IFunction>;
  httpApi: HttpApi;
  /** Where alarm notifications go by e-mail, if anywhere (stage setting ALARM_EMAIL). */
  alarmEmail?: string;
}

export function createMonitoring(stack: Stack, props: MonitoringProps) {
  const { functions, httpApi } = props;
  const namespace = metricsNamespace(stack.stackName);
  const topic = new Topic(stack, "AlarmTopic", {
    displayName: `${stack.stackName} alarms`,
    enforceSSL: true,
  });
  suppress(topic, {
    "AwsSolutions-SNS2":
      "alarm notifications carry alarm names and metric values only; CloudWatch cannot publish to a topic under the AWS managed SNS key, and a customer key costs $1 a month (docs/operations.md)",
  });
  if (props.alarmEmail) topic.addSubscription(new EmailSubscription(props.alarmEmail));
  const notify = new SnsAction(topic);

  /** A metric a function emits, under its `service` dimension (the dimension set every line has). */
  const emitted = (
    service: LambdaName,
    metricName: MetricName,
    statistic = "Sum",
    label?: string,
  ): Metric =>
    new Metric({
      namespace,
      metricName,
      dimensionsMap: { service },
      statistic,
      period: FIVE_MINUTES,
      ...(label ? { label } : {}),
    });
  /** Every value of one extra dimension of a metric, as the dashboard's search finds them. */
  const byDimension = (service: LambdaName, metricName: MetricName, dimension: string) =>
    new MathExpression({
      expression: `SEARCH('{${namespace},service,${dimension}} MetricName="${metricName}" service="${service}"', 'Sum', 300)`,
      label: dimension,
      period: FIVE_MINUTES,
    });

  const denies = emitted("authorizer", "AuthorizerDenies");
  const databaseUnavailable = new MathExpression({
    expression: "api + auth",
    usingMetrics: {
      api: emitted("api", "DatabaseUnavailable"),
      auth: emitted("auth", "DatabaseUnavailable"),
    },
    label: "503 answers (database unavailable)",
    period: FIVE_MINUTES,
  });
  const migrationFailures = emitted("migrate", "MigrationFailures");
  // No labels on what an alarm reads: a labelled metric turns the alarm into a math alarm.
  const lockouts = emitted("auth", "Lockouts");
  const verifyP99 = emitted("authorizer", "VerifyDuration", "p99");

  const requests = httpApi.metricCount({ period: FIVE_MINUTES, statistic: "Sum" });
  const serverErrors = httpApi.metricServerError({ period: FIVE_MINUTES, statistic: "Sum" });
  const serverErrorPercent = new MathExpression({
    expression: `IF(requests >= ${ALARM_THRESHOLDS.minRequests}, 100 * errors / requests, 0)`,
    usingMetrics: { requests, errors: serverErrors },
    label: "5xx, % of requests",
    period: FIVE_MINUTES,
  });
  const apiLatencyP99 = httpApi.metricLatency({ period: FIVE_MINUTES, statistic: "p99" });
  const authorizerP99 = functions.authorizer.metricDuration({
    period: FIVE_MINUTES,
    statistic: "p99",
  });

  const alarms: Alarm[] = [];
  const alarm = (
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    options: { evaluationPeriods?: number; percentile?: boolean } = {},
  ) => {
    const created = new Alarm(stack, id, {
      metric,
      threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      // A percentile over a handful of requests is one cold start, not a trend.
      ...(options.percentile ? { evaluateLowSampleCountPercentile: "ignore" } : {}),
      alarmDescription: `${description} Runbook: docs/operations.md`,
    });
    created.addAlarmAction(notify);
    created.addOkAction(notify);
    alarms.push(created);
    return created;
  };

  for (const [name, fn] of Object.entries(functions) as [LambdaName, IFunction][]) {
    const label = name[0]?.toUpperCase() + name.slice(1);
    alarm(
      `${label}ErrorsAlarm`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      1,
      `The ${name} function failed (uncaught error or timeout).`,
    );
    alarm(
      `${label}ThrottlesAlarm`,
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
      1,
      `The ${name} function was throttled: its concurrency limit was reached.`,
    );
  }
  alarm(
    "Api5xxRateAlarm",
    serverErrorPercent,
    ALARM_THRESHOLDS.api5xxPercent,
    `At least ${ALARM_THRESHOLDS.api5xxPercent}% of API requests answered 5xx.`,
    { evaluationPeriods: 2 },
  );
  alarm(
    "ApiLatencyAlarm",
    apiLatencyP99,
    ALARM_THRESHOLDS.apiLatencyP99Ms,
    `API p99 latency reached ${ALARM_THRESHOLDS.apiLatencyP99Ms} ms (target in load/api.ts).`,
    { evaluationPeriods: 3, percentile: true },
  );
  alarm(
    "AuthorizerLatencyAlarm",
    verifyP99,
    ALARM_THRESHOLDS.verifyDurationP99Ms,
    `Token verification p99 reached ${ALARM_THRESHOLDS.verifyDurationP99Ms} ms (target in load/verify.ts).`,
    { evaluationPeriods: 3, percentile: true },
  );
  alarm(
    "AuthorizerDeniesAlarm",
    denies,
    ALARM_THRESHOLDS.authorizerDenies,
    `At least ${ALARM_THRESHOLDS.authorizerDenies} requests denied by the authorizer in five minutes.`,
  );
  alarm(
    "DatabaseUnavailableAlarm",
    databaseUnavailable,
    1,
    "The API or auth function answered 503: the database was unreachable.",
  );
  alarm(
    "LockoutsAlarm",
    lockouts,
    ALARM_THRESHOLDS.lockouts,
    `At least ${ALARM_THRESHOLDS.lockouts} accounts locked after failed sign-ins in five minutes.`,
  );
  alarm(
    "MigrationFailedAlarm",
    migrationFailures,
    1,
    "A deploy's migrations failed (the deploy rolled back).",
  );

  const dashboard = new Dashboard(stack, "Dashboard", {
    dashboardName: `${stack.stackName}-operations`,
    defaultInterval: Duration.hours(3),
  });
  const line = (value: number, label: string): HorizontalAnnotation => ({ value, label });
  const perFunction = (metric: (fn: IFunction) => Metric) =>
    (Object.entries(functions) as [LambdaName, IFunction][]).map(([name, fn]) =>
      metric(fn).with({ label: name }),
    );
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# ${stack.stackName}\nAlarms notify the SNS topic; what to do for each: docs/operations.md.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "API requests and 5xx",
      left: [requests.with({ label: "requests" })],
      right: [serverErrors.with({ label: "5xx" })],
      width: 8,
    }),
    new GraphWidget({
      title: "API latency p99 (ms)",
      left: [apiLatencyP99],
      leftAnnotations: [line(ALARM_THRESHOLDS.apiLatencyP99Ms, "alarm")],
      width: 8,
    }),
    new GraphWidget({
      title: "503 answers (database unavailable)",
      left: [databaseUnavailable],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "API and auth answers by status class",
      left: [byDimension("api", "ApiResponses", "statusClass")],
      right: [byDimension("auth", "ApiResponses", "statusClass")],
      width: 12,
    }),
    new GraphWidget({
      title: "Time in the API and auth functions p99 (ms)",
      left: [
        emitted("api", "ApiLatency", "p99", "api p99"),
        emitted("auth", "ApiLatency", "p99", "auth p99"),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Authorizer: allows, and denies by reason",
      left: [
        emitted("authorizer", "AuthorizerAllows", "Sum", "allowed"),
        byDimension("authorizer", "AuthorizerDenies", "reason"),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: "Token verification p99 (ms)",
      left: [verifyP99.with({ label: "verify p99" })],
      leftAnnotations: [line(ALARM_THRESHOLDS.verifyDurationP99Ms, "alarm")],
      width: 8,
    }),
    new GraphWidget({
      title: "Authorizer duration p99 (ms)",
      left: [authorizerP99],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Sign-ins by outcome",
      left: [byDimension("auth", "SignIns", "outcome")],
      width: 12,
    }),
    new GraphWidget({
      title: "Sign-ups, lockouts and password resets",
      left: [
        emitted("auth", "SignUps", "Sum", "sign-ups"),
        lockouts.with({ label: "lockouts" }),
        emitted("auth", "PasswordResetRequests", "Sum", "reset requests"),
        emitted("auth", "PasswordResets", "Sum", "resets"),
      ],
      leftAnnotations: [line(ALARM_THRESHOLDS.lockouts, "lockout alarm")],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Lambda errors",
      left: perFunction((fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" })),
      width: 8,
    }),
    new GraphWidget({
      title: "Lambda throttles",
      left: perFunction((fn) => fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" })),
      width: 8,
    }),
    new GraphWidget({
      title: "Lambda duration p99 (ms)",
      left: perFunction((fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: "p99" })),
      width: 8,
    }),
  );
  return { topic, alarms, dashboard };
}
