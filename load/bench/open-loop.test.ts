import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlannedRequest, runOpenLoop } from "./open-loop";

/** The bench's load generator, against a loopback server: attribution, not timing. */
describe("runOpenLoop", () => {
  let server: Server;
  let origin = "";
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      const failing = request.url === "/fail";
      response.writeHead(failing ? 500 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("attributes every answer to the request that caused it and counts unexpected statuses", async () => {
    const answers: Array<{ label: string; status: number; body: string }> = [];
    let sent = 0;
    const next = (): PlannedRequest => {
      const failing = sent++ % 3 === 2;
      const label = failing ? "fail" : "ok";
      return {
        label,
        method: "GET",
        path: failing ? "/fail" : "/ok",
        headers: {},
        expectedStatus: 200,
        onAnswer: (status, body) => answers.push({ label, status, body }),
      };
    };
    const result = await runOpenLoop({ origin, rate: 6, durationSeconds: 1, next });

    const okSamples = result.latencies.get("ok") ?? [];
    const failSamples = result.latencies.get("fail") ?? [];
    expect(okSamples.length).toBeGreaterThan(0);
    expect(failSamples.length).toBeGreaterThan(0);
    expect(result.completed).toBe(okSamples.length + failSamples.length);
    expect(result.unexpected.get("fail")).toBe(failSamples.length);
    expect(result.unexpected.has("ok")).toBe(false);
    expect(result.requestErrors).toBe(0);
    // Each answer reached the plan that sent it: the body names the path that plan asked for.
    for (const answer of answers) {
      expect(JSON.parse(answer.body)).toEqual({ path: answer.label === "fail" ? "/fail" : "/ok" });
      expect(answer.status).toBe(answer.label === "fail" ? 500 : 200);
    }
    expect(answers).toHaveLength(result.completed);
    expect(seen.length).toBeGreaterThanOrEqual(result.completed);
  });
});
