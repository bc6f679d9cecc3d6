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
