import autocannon from "autocannon";

/**
 * A fixed request rate with evenly spaced arrivals, driven by autocannon. autocannon's own rate
 * limit releases each connection's quota at the start of every second, so one instance with N
 * connections sends N requests at once each second. Instead, each connection here is its own
 * autocannon instance sending one request a second (connectionRate 1), started 1/rate seconds
 * after the previous one: arrivals are evenly spaced at the target rate and, as long as a
 * response takes less than a second, independent of how fast the server answers (open loop).
 */
export interface PlannedRequest {
  /** Groups latencies in the result (e.g. the operation). */
  label: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: string;
  expectedStatus: number;
  /** Called with each answer, before its latency is recorded. */
  onAnswer?: (status: number, body: string) => void;
}

export interface OpenLoopOptions {
  origin: string;
  /** Requests per second. */
  rate: number;
  durationSeconds: number;
  /** The next request to send; called once per request. */
  next: () => PlannedRequest;
}

export interface OpenLoopResult {
  rate: number;
  durationSeconds: number;
  /** Milliseconds from writing the request to the end of the response, per label. */
  latencies: Map<string, number[]>;
  /** Answers whose status was not the expected one, per label. */
  unexpected: Map<string, number>;
  /** Connection errors and timeouts (no answer at all). */
  requestErrors: number;
  completed: number;
  /** Completed requests per second over the run. */
  achievedRate: number;
}

/** More connections than this and each connection sends several requests a second. */
const MAX_CONNECTIONS = 250;
const REQUEST_TIMEOUT_SECONDS = 10;

interface RequestContext {
  planned?: PlannedRequest;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { origin, rate, durationSeconds, next } = options;
  const connections = Math.min(rate, MAX_CONNECTIONS);
  const latencies = new Map<string, number[]>();
  const unexpected = new Map<string, number>();
  let requestErrors = 0;
  let completed = 0;
  // onResponse (which knows the request) runs synchronously just before the "response" event
  // (which knows the latency) for the same answer: this carries one to the other.
  let answered: { label: string; ok: boolean } | undefined;

  const runs: Promise<void>[] = [];
  for (let index = 0; index < connections; index++) {
    const connectionRate = Math.floor(rate / connections) + (index < rate % connections ? 1 : 0);
    runs.push(
      new Promise<void>((resolve, reject) => {
        setTimeout(
          () => {
            const instance = autocannon(
              {
                url: origin,
                connections: 1,
                connectionRate,
                duration: durationSeconds,
                timeout: REQUEST_TIMEOUT_SECONDS,
                requests: [
                  {
                    setupRequest: (request, context) => {
                      const planned = next();
                      (context as RequestContext).planned = planned;
                      return {
                        ...request,
                        method: planned.method,
                        path: planned.path,
                        headers: planned.headers,
                        ...(planned.body === undefined ? {} : { body: planned.body }),
                      };
                    },
                    onResponse: (status, body, context) => {
                      const planned = (context as RequestContext).planned;
                      if (!planned) return;
                      planned.onAnswer?.(status, body);
                      answered = { label: planned.label, ok: status === planned.expectedStatus };
                    },
                  },
                ],
              },
              (error) => (error ? reject(error) : resolve()),
            );
            instance.on("response", (_client, _status, _bytes, responseTime) => {
              if (!answered) return;
              const samples = latencies.get(answered.label) ?? [];
              samples.push(responseTime);
              latencies.set(answered.label, samples);
              if (!answered.ok)
                unexpected.set(answered.label, (unexpected.get(answered.label) ?? 0) + 1);
              completed++;
              answered = undefined;
            });
            instance.on("reqError", () => {
              requestErrors++;
            });
          },
          (index * 1000) / connections,
        );
      }),
    );
  }
  await Promise.all(runs);
  return {
    rate,
    durationSeconds,
    latencies,
    unexpected,
    requestErrors,
    completed,
    achievedRate: completed / durationSeconds,
  };
}
