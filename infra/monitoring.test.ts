import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizeRequest } from "../functions/authorizer/authorize-request";
import { createAuthorizerHandler } from "../functions/authorizer/create-handler";
import { createJwksKeySource } from "../functions/authorizer/jwks-key-source";
import { createAccessTokenVerifier } from "../functions/authorizer/verify-access-token";
import { openDatabase } from "../functions/db/database";
import { createMigrateHandler } from "../functions/migrate/create-handler";
import { METRIC_UNITS } from "../functions/shared/metrics";
import { FUNCTION_ENTRIES } from "./function-settings";
import { ALARM_THRESHOLDS, metricsNamespace } from "./monitoring";
import { constructApp } from "./synthesize";
import { authorizerEvent } from "./testing/gateway-events";
import { captureLogs, type EmittedMetrics, emittedMetrics, startLogCapture } from "./testing/logs";
import { closedPort } from "./testing/ports";
import { createOwnKeySigner, staticJwksFetch } from "./testing/signers";
import { createGatewayClient } from "./testing/tasks-client";

type Resources = Record<string, { Properties: Record<string, unknown> }>;

async function templateOf(settings: Record<string, string> = {}) {
  const { stack } = await constructApp("test", settings);
  return { template: Template.fromStack(stack), stackName: stack.stackName };
}

function alarmsOf(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources("AWS::CloudWatch::Alarm") as Resources).map(
    (alarm) => alarm.Properties,
  );
}

function alarmNamed(template: Template, logicalIdPrefix: string): Record<string, unknown> {
  const found = Object.entries(template.findResources("AWS::CloudWatch::Alarm") as Resources).find(
    ([id]) => id.startsWith(logicalIdPrefix),
  );
  if (!found) throw new Error(`no alarm ${logicalIdPrefix}`);
  return found[1].Properties;
}

type MetricStat = { Namespace: string; MetricName: string; Dimensions: Dimension[] };
type Dimension = { Name: string; Value: string };

/** The namespace metrics an alarm reads: its own, or those of its math expression. */
function alarmMetrics(alarm: Record<string, unknown>): MetricStat[] {
  if (typeof alarm.MetricName === "string") return [alarm as unknown as MetricStat];
  const parts = (alarm.Metrics ?? []) as Array<{ MetricStat?: { Metric: MetricStat } }>;
  return parts.flatMap((part) => (part.MetricStat ? [part.MetricStat.Metric] : []));
}

/**
 * Whether an EMF line feeds this metric as CloudWatch extracts it: same namespace and name, and
 * one of the line's dimension sets is exactly the metric's dimensions, with the same values.
 */
function feeds(line: EmittedMetrics, metric: MetricStat): boolean {
  const names = metric.Dimensions.map((dimension) => dimension.Name).sort();
  return (
    line.namespace === metric.Namespace &&
    metric.MetricName in line.metrics &&
    line.dimensionSets.some((set) => [...set].sort().join() === names.join()) &&
    metric.Dimensions.every((dimension) => line.dimensions[dimension.Name] === dimension.Value)
  );
}

/** The product metrics of `alarm`, read as if the lines came from the stage's own namespace. */
function fedMetrics(alarm: Record<string, unknown>, lines: string[], namespace: string) {
  const emitted = emittedMetrics(lines).map((line) => ({ ...line, namespace }));
  return alarmMetrics(alarm)
    .filter((metric) => metric.Namespace === namespace)
    .map((metric) => ({
      metric: `${metric.MetricName} ${JSON.stringify(metric.Dimensions)}`,
      lines: emitted.filter((line) => feeds(line, metric)).length,
    }));
}

describe("alarms, topic and dashboard of a stage", () => {
  let template: Template;
  let stackName: string;

  beforeAll(async () => {
    ({ template, stackName } = await templateOf());
  });

  it("one encrypted-in-transit SNS topic, without a subscription unless ALARM_EMAIL is set", async () => {
    template.resourceCountIs("AWS::SNS::Topic", 1);
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    const topicPolicy = JSON.stringify(template.findResources("AWS::SNS::TopicPolicy"));
    expect(topicPolicy).toContain("aws:SecureTransport");

    const withEmail = (await templateOf({ ALARM_EMAIL: "oncall@example.com" })).template;
    withEmail.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
    });
  });

  it("refuses an ALARM_EMAIL that is not one address", async () => {
    await expect(
      templateOf({ ALARM_EMAIL: "oncall@example.com, boss@example.com" }),
    ).rejects.toThrow(/ALARM_EMAIL must be one e-mail address/);
  });

  it("every alarm notifies the topic on alarm and on recovery, and names the runbook", () => {
    const alarms = alarmsOf(template);
    expect(alarms.length).toBe(15);
    const topic = Object.keys(template.findResources("AWS::SNS::Topic"))[0];
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operations\.md$/);
      expect(alarm.TreatMissingData).toBe("notBreaching");
    }
  });

  it.each(["Auth", "Api", "Authorizer", "Migrate"])(
    "%s function: errors and throttles alarm at the first one",
    (name) => {
      for (const [suffix, metric] of [
        ["ErrorsAlarm", "Errors"],
        ["ThrottlesAlarm", "Throttles"],
      ] as const) {
        const alarm = alarmNamed(template, `${name}${suffix}`);
        expect(alarm).toMatchObject({
          Namespace: "AWS/Lambda",
          MetricName: metric,
          Statistic: "Sum",
          Period: 300,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        });
      }
    },
  );

  it("latency alarms at the performance targets, on p99, ignoring percentiles of a few samples", () => {
    expect(alarmNamed(template, "ApiLatencyAlarm")).toMatchObject({
      Namespace: "AWS/ApiGateway",
      MetricName: "Latency",
      ExtendedStatistic: "p99",
      Threshold: ALARM_THRESHOLDS.apiLatencyP99Ms,
      EvaluationPeriods: 3,
      EvaluateLowSampleCountPercentile: "ignore",
    });
    expect(alarmNamed(template, "AuthorizerLatencyAlarm")).toMatchObject({
      Namespace: metricsNamespace(stackName),
      MetricName: "VerifyDuration",
      Dimensions: [{ Name: "service", Value: "authorizer" }],
      ExtendedStatistic: "p99",
      Threshold: 5,
      EvaluationPeriods: 3,
      EvaluateLowSampleCountPercentile: "ignore",
    });
  });

  it("the 5xx alarm is a rate of requests, silent under the minimum traffic", () => {
    const alarm = alarmNamed(template, "Api5xxRateAlarm");
    const metrics = alarm.Metrics as Array<{ Id: string; Expression?: string }>;
    const expression = metrics.find((metric) => metric.Expression)?.Expression;
    expect(expression).toBe(
      `IF(requests >= ${ALARM_THRESHOLDS.minRequests}, 100 * errors / requests, 0)`,
    );
    expect(JSON.stringify(metrics)).toContain('"MetricName":"5xx"');
    expect(JSON.stringify(metrics)).toContain('"MetricName":"Count"');
    expect(alarm.Threshold).toBe(1);
  });

  it("reads product metrics from the functions' EMF lines in the stage's namespace, not from log filters", () => {
    template.resourceCountIs("AWS::Logs::MetricFilter", 0);
    const namespace = metricsNamespace(stackName);
    const used = alarmsOf(template)
      .flatMap(alarmMetrics)
      .filter((metric) => !metric.Namespace.startsWith("AWS/"));
    expect(new Set(used.map((metric) => metric.Namespace))).toEqual(new Set([namespace]));
    for (const metric of used) {
      expect(Object.keys(METRIC_UNITS)).toContain(metric.MetricName);
      expect(metric.Dimensions.map((dimension) => dimension.Name)).toEqual(["service"]);
    }
    expect(alarmNamed(template, "LockoutsAlarm")).toMatchObject({
      MetricName: "Lockouts",
      Dimensions: [{ Name: "service", Value: "auth" }],
      Threshold: ALARM_THRESHOLDS.lockouts,
    });
  });

  it("every function writes its metrics to the stage's namespace, at the default log level", () => {
    const functions = template.findResources("AWS::Lambda::Function") as Resources;
    const variables = Object.values(functions)
      .map(
        (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables,
      )
      .filter((env) => env?.METRICS_NAMESPACE !== undefined);
    // The four functions; SST's own custom-resource handlers write no metrics.
    expect(variables).toHaveLength(Object.keys(FUNCTION_ENTRIES).length);
    for (const env of variables) {
      expect(env).toMatchObject({
        METRICS_NAMESPACE: metricsNamespace(stackName),
        LOG_LEVEL: "INFO",
      });
    }
  });

  it("takes the log level from the stage setting LOG_LEVEL", async () => {
    const debug = (await templateOf({ LOG_LEVEL: "debug" })).template;
    const levels = Object.values(debug.findResources("AWS::Lambda::Function") as Resources)
      .map(
        (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables,
      )
      .flatMap((env) => (env?.LOG_LEVEL === undefined ? [] : [env.LOG_LEVEL]));
    expect(levels).toEqual(["DEBUG", "DEBUG", "DEBUG", "DEBUG"]);
    await expect(templateOf({ LOG_LEVEL: "loud" })).rejects.toThrow(/LOG_LEVEL must be one of/);
  });

  it("one dashboard with the API, authorizer, database and Lambda figures", () => {
    const dashboards = Object.values(
      template.findResources("AWS::CloudWatch::Dashboard") as Resources,
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const title of [
      "API requests and 5xx",
      "API latency p99 (ms)",
      "503 answers (database unavailable)",
      "API and auth answers by status class",
      "Time in the API and auth functions p99 (ms)",
      "Authorizer: allows, and denies by reason",
      "Token verification p99 (ms)",
      "Authorizer duration p99 (ms)",
      "Sign-ins by outcome",
      "Sign-ups, lockouts and password resets",
      "Lambda errors",
      "Lambda throttles",
      "Lambda duration p99 (ms)",
    ]) {
      expect(body).toContain(title);
    }
  });
});

describe("each alarm's product metric is fed by the EMF line its function really writes", () => {
  let template: Template;
  let namespace: string;
  beforeAll(async () => {
    const synthesized = await templateOf();
    template = synthesized.template;
    namespace = metricsNamespace(synthesized.stackName);
  });

  it("AuthorizerDenies: a request with a malformed token", async () => {
    const authorize = createAuthorizerHandler({
      jwksUrl: `http://127.0.0.1:${await closedPort()}/api/auth/jwks`,
      issuer: "https://app.example.com",
      audience: "https://app.example.com/api",
    });
    const { lines, value } = await captureLogs(() =>
      authorize(authorizerEvent({ authorization: "Bearer not-a-token" })),
    );
    expect(value.isAuthorized).toBe(false);
    expect(fedMetrics(alarmNamed(template, "AuthorizerDeniesAlarm"), lines, namespace)).toEqual([
      { metric: expect.stringContaining("AuthorizerDenies"), lines: 1 },
    ]);
  });

  it("VerifyDuration: a request the authorizer lets through", async () => {
    const issuer = "https://app.example.com";
    const signer = await createOwnKeySigner({
      kid: "key-1",
      issuer,
      audience: `${issuer}/api`,
      subject: "user-1",
    });
    const authorize = createAuthorizeRequest(
      createAccessTokenVerifier({
        keys: createJwksKeySource({
          url: `${issuer}/api/auth/jwks`,
          fetch: staticJwksFetch(signer.jwks).fetch,
        }),
        issuer,
        audience: `${issuer}/api`,
      }),
    );
    const { lines, value } = await captureLogs(async () =>
      authorize(authorizerEvent({ authorization: `Bearer ${await signer.sign()}` })),
    );
    expect(value.isAuthorized).toBe(true);
    expect(fedMetrics(alarmNamed(template, "AuthorizerLatencyAlarm"), lines, namespace)).toEqual([
      { metric: expect.stringContaining("VerifyDuration"), lines: 1 },
    ]);
  });

  describe("DatabaseUnavailable: the API's 503 when its database is unreachable", () => {
    let handle: Awaited<ReturnType<typeof openDatabase>>;
    beforeAll(async () => {
      handle = await openDatabase({ url: `postgres://t:t@127.0.0.1:${await closedPort()}/t` });
    });
    afterAll(async () => {
      await handle?.close();
    });

    it("counts the 503 under the API's service, and the alarm adds the auth function's", async () => {
      const call = createGatewayClient(handle);
      const { lines } = await captureLogs(() => call("GET", "/api/health"));
      expect(
        fedMetrics(alarmNamed(template, "DatabaseUnavailableAlarm"), lines, namespace),
      ).toEqual([
        { metric: expect.stringMatching(/^DatabaseUnavailable .*"api"/), lines: 1 },
        { metric: expect.stringMatching(/^DatabaseUnavailable .*"auth"/), lines: 0 },
      ]);
    });
  });

  it("MigrationFailures: a deploy whose database is unreachable", async () => {
    const migrate = await createMigrateHandler({
      databaseUrl: `postgres://t:t@127.0.0.1:${await closedPort()}/t`,
      migrationsDir: undefined,
      taskRoot: undefined,
    });
    const capture = startLogCapture();
    try {
      await expect(migrate.handler()).rejects.toThrow("database migration failed");
    } finally {
      capture.stop();
      await migrate.close();
    }
    expect(
      fedMetrics(alarmNamed(template, "MigrationFailedAlarm"), capture.lines, namespace),
    ).toEqual([{ metric: expect.stringContaining("MigrationFailures"), lines: 1 }]);
  });
});
