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
  type Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { FilterPattern, type ILogGroup, MetricFilter } from "aws-cdk-lib/aws-logs";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { LambdaName } from "./function-settings";
import { suppress } from "./nag-suppressions";

/**
 * Alarms and a dashboard per stage, all notifying one SNS topic. Thresholds come from the
 * performance targets the k6 scripts hold a stage to (load/verify.ts, load/api.ts) and are
 * explained in docs/operations.md. The product metrics are CloudWatch Logs metric filters on the
 * structured log lines the functions already write (functions/shared/log.ts): no extra I/O on a
 * request's path.
 */
export const ALARM_THRESHOLDS = {
  /** load/api.ts: every endpoint's p(99) under 250 ms (p(95) under 100 ms). */
  apiLatencyP99Ms: 250,
  /** load/verify.ts: token verification p(99) under 5 ms; the authorizer does little else. */
  authorizerDurationP99Ms: 5,
  /** Of all API requests in five minutes, once at least `minRequests` came in. */
  api5xxPercent: 1,
  minRequests: 20,
  /** Denied requests in five minutes: far above a client's expired tokens, tune it to traffic. */
  authorizerDenies: 100,
} as const;

/** The namespace of a stage's metrics drawn from its functions' log lines (one per stage). */
export function logMetricsNamespace(stackName: string): string {
  return `AuthJwtBridge/${stackName}`;
}

const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoredFunction {
  fn: IFunction;
  logGroup: ILogGroup;
}

export interface MonitoringProps {
  functions: Record<LambdaName, MonitoredFunction>;
  httpApi: HttpApi;
  /** Where alarm notifications go by e-mail, if anywhere (stage setting ALARM_EMAIL). */
  alarmEmail?: string;
}

export function createMonitoring(stack: Stack, props: MonitoringProps) {
  const { functions, httpApi } = props;
  const namespace = logMetricsNamespace(stack.stackName);
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

  const logMetric = (
    id: string,
    logGroup: ILogGroup,
    pattern: string,
    metricName: string,
    dimensions?: Record<string, string>,
  ): Metric => {
    const filter = new MetricFilter(stack, id, {
      logGroup,
      filterPattern: FilterPattern.literal(pattern),
      metricNamespace: namespace,
      metricName,
      metricValue: "1",
      // A zero for every quiet minute keeps the alarms' data continuous (not with dimensions).
      ...(dimensions ? { dimensions } : { defaultValue: 0 }),
    });
    return filter.metric({ period: FIVE_MINUTES, statistic: "Sum" });
  };

  const denies = logMetric(
    "AuthorizerDeniesFilter",
    functions.authorizer.logGroup,
    '{ $.msg = "authorizer denied" }',
    "AuthorizerDenies",
  );
  logMetric(
    "AuthorizerDeniesByReasonFilter",
    functions.authorizer.logGroup,
    '{ $.msg = "authorizer denied" }',
    "AuthorizerDeniesByReason",
    { reason: "$.reason" },
  );
  const unavailable = (name: "api" | "auth") =>
    logMetric(
      `${name === "api" ? "Api" : "Auth"}DatabaseUnavailableFilter`,
      functions[name].logGroup,
      '{ $.msg = "request" && $.status = 503 }',
      `${name === "api" ? "Api" : "Auth"}Unavailable`,
    );
  const databaseUnavailable = new MathExpression({
    expression: "api + auth",
    usingMetrics: { api: unavailable("api"), auth: unavailable("auth") },
    label: "503 answers (database unavailable)",
    period: FIVE_MINUTES,
  });
  const migrationFailures = logMetric(
    "MigrationFailuresFilter",
    functions.migrate.logGroup,
    '{ $.msg = "migrations failed" }',
    "MigrationFailures",
  );

  const requests = httpApi.metricCount({ period: FIVE_MINUTES, statistic: "Sum" });
  const serverErrors = httpApi.metricServerError({ period: FIVE_MINUTES, statistic: "Sum" });
  const serverErrorPercent = new MathExpression({
    expression: `IF(requests >= ${ALARM_THRESHOLDS.minRequests}, 100 * errors / requests, 0)`,
    usingMetrics: { requests, errors: serverErrors },
    label: "5xx, % of requests",
    period: FIVE_MINUTES,
  });
  const apiLatencyP99 = httpApi.metricLatency({ period: FIVE_MINUTES, statistic: "p99" });
  const authorizerP99 = functions.authorizer.fn.metricDuration({
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

  for (const [name, { fn }] of Object.entries(functions) as [LambdaName, MonitoredFunction][]) {
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
    authorizerP99,
    ALARM_THRESHOLDS.authorizerDurationP99Ms,
    `Authorizer p99 duration reached ${ALARM_THRESHOLDS.authorizerDurationP99Ms} ms (verify target in load/verify.ts).`,
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
    (Object.entries(functions) as [LambdaName, MonitoredFunction][]).map(([name, { fn }]) =>
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
      title: "Authorizer: invocations and denies by reason",
      left: [
        functions.authorizer.fn.metricInvocations({ period: FIVE_MINUTES, statistic: "Sum" }),
        new MathExpression({
          expression: `SEARCH('{${namespace},reason} MetricName="AuthorizerDeniesByReason"', 'Sum', 300)`,
          label: "denied",
          period: FIVE_MINUTES,
        }),
      ],
      width: 12,
    }),
    new GraphWidget({
      title: "Authorizer duration p99 (ms)",
      left: [authorizerP99],
      leftAnnotations: [line(ALARM_THRESHOLDS.authorizerDurationP99Ms, "alarm")],
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
