/** The `k6` module: check, fail, sleep, group. Checks are recorded on the runtime. */
import { runtime } from "./runtime";

export function check<T>(value: T, sets: Record<string, (value: T) => boolean>): boolean {
  let all = true;
  for (const [name, test] of Object.entries(sets)) {
    const ok = Boolean(test(value));
    runtime().checks.push({ name, ok });
    all &&= ok;
  }
  return all;
}

export function fail(message?: string): never {
  throw new Error(message);
}

/** Blocks the caller as k6 blocks the VU. */
export function sleep(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

export function group<T>(_name: string, body: () => T): T {
  return body();
}
