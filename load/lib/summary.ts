import { BASE_URL, readString } from "./config.ts";

/** The parts of k6's end-of-test data object that the summary reads. */
interface MetricSummary {
  type: "counter" | "gauge" | "rate" | "trend";
  contains: "default" | "time" | "data";
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  metrics: Record<string, MetricSummary>;
  state?: { testRunDurationMs?: number };
}

export interface ThresholdVerdict {
  metric: string;
  expression: string;
  ok: boolean;
  /** The statistic the expression tests (e.g. p(99)), when the summary kept it. */
  observed?: number;
  unit: "ms" | "ratio" | "count";
}

/** Every threshold the run declared, with its verdict and the value it was judged on. */
export function thresholdVerdicts(data: SummaryData): ThresholdVerdict[] {
  const verdicts: ThresholdVerdict[] = [];
  for (const metric of Object.keys(data.metrics).sort()) {
    const summary = data.metrics[metric];
    if (!summary?.thresholds) continue;
    for (const [expression, { ok }] of Object.entries(summary.thresholds)) {
      const statistic = expression.split(/[<>=!]/)[0]?.trim() ?? "";
      const observed = summary.values[statistic];
      verdicts.push({
        metric,
        expression,
        ok,
        ...(observed === undefined ? {} : { observed }),
        unit: summary.contains === "time" ? "ms" : summary.type === "rate" ? "ratio" : "count",
      });
    }
  }
  return verdicts;
}

function formatValue(value: number | undefined, unit: ThresholdVerdict["unit"]): string {
  if (value === undefined) return "n/a";
  if (unit === "ms") return `${value.toFixed(value < 10 ? 3 : 1)} ms`;
  if (unit === "ratio") return `${(value * 100).toFixed(2)}%`;
  return String(Math.round(value * 100) / 100);
}

const LINE_METRICS: Array<[string, string]> = [
  ["http_reqs", "count"],
  ["iterations", "count"],
  ["dropped_iterations", "count"],
  ["http_req_failed", "rate"],
  ["checks", "rate"],
];

/** A plain-text report: each threshold's verdict, then the counts that explain a failure. */
export function verdictReport(script: string, data: SummaryData, summaryPath: string): string {
  const verdicts = thresholdVerdicts(data);
  const width = Math.max(...verdicts.map((v) => `${v.metric} ${v.expression}`.length), 20);
  const lines = [`\nk6 ${script} against ${BASE_URL}`, "", "Thresholds"];
  for (const verdict of verdicts) {
    const label = `${verdict.metric} ${verdict.expression}`.padEnd(width);
    const observed = formatValue(verdict.observed, verdict.unit);
    lines.push(`  ${verdict.ok ? "PASS" : "FAIL"}  ${label}  observed ${observed}`);
  }
  lines.push("", "Run");
  for (const [metric, statistic] of LINE_METRICS) {
    const value = data.metrics[metric]?.values[statistic];
    if (value === undefined) continue;
    const shown = statistic === "rate" ? `${(value * 100).toFixed(2)}%` : String(value);
    lines.push(`  ${metric.padEnd(20)} ${shown}`);
  }
  const dropped = data.metrics.dropped_iterations?.values.count ?? 0;
  if (dropped > 0) {
    lines.push(
      `  warning: ${dropped} iterations were dropped: the load generator ran out of VUs, so the target rate was not delivered (raise MAX_VUS)`,
    );
  }
  const failed = verdicts.filter((v) => !v.ok).length;
  lines.push(
    "",
    failed === 0
      ? `All ${verdicts.length} thresholds passed.`
      : `${failed} of ${verdicts.length} thresholds FAILED.`,
    `Summary JSON: ${summaryPath}`,
    "",
  );
  return lines.join("\n");
}

/**
 * Builds the script's handleSummary: prints the verdicts and writes a JSON summary to
 * SUMMARY_PATH (default load/results/<script>-summary.json, relative to where k6 runs).
 */
export function summaryHandler(script: string): (data: SummaryData) => Record<string, string> {
  return (data) => {
    const summaryPath = readString("SUMMARY_PATH", `load/results/${script}-summary.json`);
    const verdicts = thresholdVerdicts(data);
    const document = {
      script,
      baseUrl: BASE_URL,
      finishedAt: new Date().toISOString(),
      passed: verdicts.every((v) => v.ok),
      thresholds: verdicts,
      k6: data,
    };
    return {
      stdout: verdictReport(script, data, summaryPath),
      [summaryPath]: `${JSON.stringify(document, null, 2)}\n`,
    };
  };
}
