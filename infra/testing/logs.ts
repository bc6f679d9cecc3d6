import { vi } from "vitest";

/** Captures the lines functions/shared/log.ts writes (through console) while `run` executes. */
export async function captureLogs<T>(
  run: () => Promise<T>,
): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const capture = (line: unknown) => {
    lines.push(String(line));
  };
  const spies = [
    vi.spyOn(console, "info").mockImplementation(capture),
    vi.spyOn(console, "warn").mockImplementation(capture),
    vi.spyOn(console, "error").mockImplementation(capture),
  ];
  try {
    return { value: await run(), lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
