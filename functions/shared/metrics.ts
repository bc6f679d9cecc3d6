import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { currentInvocation } from "./invocation-scope";
import { log, logOutput } from "./log";

/**
 * The product metrics, written as CloudWatch Embedded Metric Format lines on stdout (Powertools
 * Metrics): CloudWatch Logs turns them into metrics, so a request pays for one write to a pipe
 * and no network call. Every metric carries the `service` dimension (the function); some also
 * carry one more (a deny's reason, a response's status class), published under both sets.
 */
export const METRIC_UNITS = {
  /** Authorizer: a token verified and the request let through. */
  AuthorizerAllows: MetricUnit.Count,
  /** Authorizer: a request refused, also by `reason`. */
  AuthorizerDenies: MetricUnit.Count,
  /** Authorizer: how long verifying an accepted token took (the 5 ms target). */
  VerifyDuration: MetricUnit.Milliseconds,
  /** API and auth functions: every answer, also by `statusClass` (2xx, 4xx, 5xx...). */
  ApiResponses: MetricUnit.Count,
  /** API and auth functions: time inside the function per request, also by `statusClass`. */
  ApiLatency: MetricUnit.Milliseconds,
  /** API and auth functions: a 503, which both answer only when the database is unreachable. */
  DatabaseUnavailable: MetricUnit.Count,
  /** Auth: an account created. */
  SignUps: MetricUnit.Count,
  /** Auth: a password sign-in, also by `outcome`. */
  SignIns: MetricUnit.Count,
  /** Auth: an account locked after too many failed sign-ins. */
  Lockouts: MetricUnit.Count,
  /** Auth: a reset link asked for (whether or not the address has an account). */
  PasswordResetRequests: MetricUnit.Count,
  /** Auth: a password reset completed. */
  PasswordResets: MetricUnit.Count,
  /** Migrate: a deploy's migrations failed. */
  MigrationFailures: MetricUnit.Count,
} as const;

export type MetricName = keyof typeof METRIC_UNITS;

/** The namespace when none is configured (npm start, tests); a stage's is AuthJwtBridge/<stack>. */
export const DEFAULT_METRICS_NAMESPACE = "AuthJwtBridge/local";

/** What the metrics' own warnings (an invalid dimension, say) are written through. */
const warnings = {
  debug: (message: unknown) => log.debug(String(message)),
  info: (message: unknown) => log.info(String(message)),
  warn: (message: unknown) => log.warn(String(message)),
  error: (message: unknown) => log.error(String(message)),
};

let settings = { namespace: DEFAULT_METRICS_NAMESPACE, service: "auth-jwt-bridge" };
const instances = new Map<string, Metrics>();

/** Called once per process by an entry (or the local stack) with its parsed settings. */
export function configureMetrics(next: { namespace: string; service: string }): void {
  settings = { ...next };
  instances.clear();
}

function metricsFor(service: string): Metrics {
  let metrics = instances.get(service);
  if (!metrics) {
    metrics = new Metrics({
      namespace: settings.namespace,
      serviceName: service,
      logger: warnings,
    });
    instances.set(service, metrics);
  }
  return metrics;
}

/**
 * One EMF line with these values, under `service` and, for each entry of `by`, under `service`
 * plus that dimension. Synchronous from the first value to the write, so concurrent requests of
 * one process (the local stack) never share a line.
 */
export function recordMetrics(
  values: Partial<Record<MetricName, number>>,
  by: Readonly<Record<string, string>> = {},
): void {
  const metrics = metricsFor(currentInvocation()?.service ?? settings.service);
  for (const [name, value] of Object.entries(values) as [MetricName, number][]) {
    metrics.addMetric(name, METRIC_UNITS[name], value);
  }
  metrics.addDimensions({});
  for (const [dimension, value] of Object.entries(by))
    metrics.addDimensions({ [dimension]: value });
  try {
    logOutput().log(JSON.stringify(metrics.serializeMetrics()));
  } finally {
    metrics.clearMetrics();
    metrics.clearDimensions();
  }
}

/** "2xx", "4xx", "5xx": the status class a response is counted under. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
