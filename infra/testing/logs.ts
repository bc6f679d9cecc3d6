import { format } from "node:util";
import { vi } from "vitest";

/**
 * What the code under test logs, one entry per line, kept out of the test output. Both ways a
 * log line can leave are caught: writes to stdout/stderr and the console methods.
 */
export interface LogCapture {
  lines: string[];
  /** Lets output through again (vi.restoreAllMocks() does too). */
  stop(): void;
}

export function startLogCapture(): LogCapture {
  const lines: string[] = [];
  const keep = (text: string) => {
    lines.push(...text.split("\n").filter(Boolean));
  };
  const write = (chunk: string | Uint8Array) => {
    keep(String(chunk));
    return true;
  };
  const print = (...args: unknown[]) => keep(format(...args));
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(write),
    vi.spyOn(process.stderr, "write").mockImplementation(write),
    ...(["debug", "info", "log", "warn", "error"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(print),
    ),
  ];
  return {
    lines,
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The log lines written while `run` executes, with its result. */
export async function captureLogs<T>(
  run: () => Promise<T>,
): Promise<{ value: T; lines: string[] }> {
  const capture = startLogCapture();
  try {
    return { value: await run(), lines: capture.lines };
  } finally {
    capture.stop();
  }
}

/** One EMF line as CloudWatch reads it: its namespace, dimension sets and metric values. */
export interface EmittedMetrics {
  namespace: string;
  /** The dimension sets, each a list of names, e.g. [["service"], ["service", "reason"]]. */
  dimensionSets: string[][];
  /** Each dimension's value on this line. */
  dimensions: Record<string, string>;
  /** Each metric's value and unit. */
  metrics: Record<string, { value: number; unit: string }>;
}

interface EmfLine {
  _aws: {
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [field: string]: unknown;
}

function parsed(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The EMF lines among `lines`, read as CloudWatch would. */
export function emittedMetrics(lines: readonly string[]): EmittedMetrics[] {
  const emitted: EmittedMetrics[] = [];
  for (const line of lines) {
    const record = parsed(line) as EmfLine | undefined;
    const [directive] = record?._aws?.CloudWatchMetrics ?? [];
    if (!record || !directive) continue;
    const names = new Set(directive.Dimensions.flat());
    emitted.push({
      namespace: directive.Namespace,
      dimensionSets: directive.Dimensions,
      dimensions: Object.fromEntries([...names].map((name) => [name, String(record[name])])),
      metrics: Object.fromEntries(
        directive.Metrics.map(({ Name, Unit }) => [
          Name,
          { value: Number(record[Name]), unit: Unit },
        ]),
      ),
    });
  }
  return emitted;
}

/** The log lines among `lines` (every JSON line that is not EMF), parsed. */
export function logRecords(lines: readonly string[]): Record<string, unknown>[] {
  return lines
    .map(parsed)
    .filter(
      (record): record is Record<string, unknown> => record !== undefined && !("_aws" in record),
    );
}
