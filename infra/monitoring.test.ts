import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizerHandler } from "../functions/authorizer/create-handler";
import { openDatabase } from "../functions/db/database";
import { createMigrateHandler } from "../functions/migrate/create-handler";
import { ALARM_THRESHOLDS, logMetricsNamespace } from "./monitoring";
import { constructApp } from "./synthesize";
import { authorizerEvent } from "./testing/gateway-events";
import { captureLogs, startLogCapture } from "./testing/logs";
import { closedPort } from "./testing/ports";
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

function filterFor(template: Template, metricName: string): string {
  const filters = Object.values(template.findResources("AWS::Logs::MetricFilter") as Resources);
  const found = filters.find(
    (filter) =>
      (filter.Properties.MetricTransformations as Array<{ MetricName: string }>)[0]?.MetricName ===
      metricName,
  );
  if (!found) throw new Error(`no metric filter for ${metricName}`);
  return found.Properties.FilterPattern as string;
}

/**
 * CloudWatch Logs' JSON filter patterns, the part this stack uses: `{ $.field = "text" }` and
 * `{ $.field = 503 }` joined by `&&`. Anything else throws, so a new pattern gets a new test.
 */
function matchesFilter(pattern: string, line: string): boolean {
  const body = /^\{(.*)\}$/.exec(pattern.trim())?.[1];
  if (!body) throw new Error(`not a JSON filter pattern: ${pattern}`);
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  return body.split("&&").every((condition) => {
    const parsed = /^\s*\$\.(\w+)\s*=\s*(?:"([^"]*)"|(\d+))\s*$/.exec(condition);
    if (!parsed) throw new Error(`unsupported condition in ${pattern}: ${condition}`);
    const [, field = "", text, number] = parsed;
    return text === undefined ? event[field] === Number(number) : event[field] === text;
  });
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
    expect(alarms.length).toBe(14);
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
      Namespace: "AWS/Lambda",
      MetricName: "Duration",
      ExtendedStatistic: "p99",
      Threshold: 5,
      EvaluationPeriods: 3,
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

  it("log-based metrics live in the stage's own namespace", () => {
    const namespaces = new Set(
      Object.values(template.findResources("AWS::Logs::MetricFilter") as Resources).map(
        (filter) =>
          (filter.Properties.MetricTransformations as Array<{ MetricNamespace: string }>)[0]
            ?.MetricNamespace,
      ),
    );
    expect([...namespaces]).toEqual([logMetricsNamespace(stackName)]);
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
      "Authorizer: invocations and denies by reason",
      "Authorizer duration p99 (ms)",
      "Lambda errors",
      "Lambda throttles",
      "Lambda duration p99 (ms)",
    ]) {
      expect(body).toContain(title);
    }
  });
});

describe("each log-based metric counts the line its function really writes", () => {
  let template: Template;
  beforeAll(async () => {
    ({ template } = await templateOf());
  });

  it("AuthorizerDenies (and by reason): a request with a malformed token", async () => {
    const authorize = createAuthorizerHandler({
      jwksUrl: `http://127.0.0.1:${await closedPort()}/api/auth/jwks`,
      issuer: "https://app.example.com",
      audience: "https://app.example.com/api",
    });
    const { lines, value } = await captureLogs(() =>
      authorize(authorizerEvent({ authorization: "Bearer not-a-token" })),
    );
    expect(value.isAuthorized).toBe(false);
    for (const metric of ["AuthorizerDenies", "AuthorizerDeniesByReason"]) {
      expect(lines.filter((line) => matchesFilter(filterFor(template, metric), line))).toHaveLength(
        1,
      );
    }
    const byReason = Object.values(template.findResources("AWS::Logs::MetricFilter") as Resources)
      .map((filter) => filter.Properties.MetricTransformations as Array<Record<string, unknown>>)
      .find((transform) => transform[0]?.MetricName === "AuthorizerDeniesByReason");
    expect(byReason?.[0]?.Dimensions).toEqual([{ Key: "reason", Value: "$.reason" }]);
  });

  describe("ApiUnavailable: the API's 503 when its database is unreachable", () => {
    let handle: Awaited<ReturnType<typeof openDatabase>>;
    beforeAll(async () => {
      handle = await openDatabase({ url: `postgres://t:t@127.0.0.1:${await closedPort()}/t` });
    });
    afterAll(async () => {
      await handle?.close();
    });

    it("counts the 503 and not a 200", async () => {
      const call = createGatewayClient(handle);
      const { lines } = await captureLogs(() => call("GET", "/api/health"));
      const pattern = filterFor(template, "ApiUnavailable");
      expect(lines.filter((line) => matchesFilter(pattern, line))).toHaveLength(1);
      expect(matchesFilter(pattern, lines.join("").replace('"status":503', '"status":200'))).toBe(
        false,
      );
      expect(filterFor(template, "AuthUnavailable")).toBe(pattern);
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
    const pattern = filterFor(template, "MigrationFailures");
    expect(capture.lines.filter((line) => matchesFilter(pattern, line))).toHaveLength(1);
  });
});
