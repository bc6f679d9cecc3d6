/** `k6/metrics` Trend: added values are recorded on the runtime under the metric's name. */
import { runtime } from "./runtime";

export class Trend {
  constructor(
    readonly name: string,
    readonly isTime = false,
  ) {}

  add(value: number): void {
    const samples = runtime().metrics[this.name] ?? [];
    samples.push(value);
    runtime().metrics[this.name] = samples;
  }
}
