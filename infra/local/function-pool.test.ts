import { afterEach, describe, expect, it } from "vitest";
import { type FixtureAnswer, type FixtureEvent, fixtureFunction } from "../testing/pool-fixtures";
import { createFunctionPool, type FunctionPool } from "./function-pool";
import { createLambdaContext } from "./lambda-context";

const pools: FunctionPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function pool(instances: number, environment: Record<string, string> = {}): FunctionPool {
  const created = createFunctionPool({
    name: "fixture",
    spec: fixtureFunction(environment),
    instances,
  });
  pools.push(created);
  return created;
}

function invoke(target: FunctionPool, event: FixtureEvent, timeoutMs = 20_000) {
  return target.invoke(event, createLambdaContext("fixture", "request", timeoutMs)) as Promise<
    FixtureAnswer | undefined
  >;
}

describe("function pool: Lambda's concurrency on worker threads", { timeout: 60_000 }, () => {
  it("starts instances on demand, each serving one invocation at a time, up to its limit", async () => {
    const target = pool(2);
    expect(target.stats()).toEqual({ instances: 0, coldStarts: 0, queued: 0 });
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => invoke(target, { do: "wait", ms: 150 })),
    );
    const byThread = new Map<number, FixtureAnswer[]>();
    for (const answer of answers) {
      if (answer) byThread.set(answer.thread, [...(byThread.get(answer.thread) ?? []), answer]);
    }
    // Four at once, at most two instances; within each, one invocation after the other.
    expect(byThread.size).toBeLessThanOrEqual(2);
    for (const served of byThread.values()) {
      const inOrder = served.sort((a, b) => a.count - b.count);
      expect(inOrder.map((answer) => answer.count)).toEqual(inOrder.map((_, i) => i + 1));
      for (let i = 1; i < inOrder.length; i++) {
        expect(inOrder[i]?.began).toBeGreaterThanOrEqual(inOrder[i - 1]?.ended ?? 0);
      }
    }
    expect(target.stats()).toEqual({ instances: 2, coldStarts: 2, queued: 0 });
  });

  it("keeps module state per instance across invocations, as a warm Lambda does", async () => {
    const target = pool(1);
    const first = await invoke(target, { do: "count" });
    const second = await invoke(target, { do: "count" });
    expect(second?.thread).toBe(first?.thread);
    expect([first?.count, second?.count]).toEqual([1, 2]);
    expect(target.stats().coldStarts).toBe(1);
  });

  it("lets no function's work delay another's: each pool has threads of its own", async () => {
    const busy = pool(1);
    const other = pool(1);
    await Promise.all([invoke(busy, { do: "count" }), invoke(other, { do: "count" })]);
    const finished: string[] = [];
    const spinning = invoke(busy, { do: "spin", ms: 1_500 }).then(() => finished.push("busy"));
    await invoke(other, { do: "count" }).then(() => finished.push("other"));
    await spinning;
    expect(finished).toEqual(["other", "busy"]);
  });

  it("fails a throwing invocation with its name and message and keeps the instance", async () => {
    const target = pool(1);
    const before = await invoke(target, { do: "count" });
    await expect(invoke(target, { do: "throw" })).rejects.toMatchObject({
      name: "TypeError",
      message: "fixture: TypeError: the fixture threw",
    });
    const after = await invoke(target, { do: "count" });
    expect(after?.thread).toBe(before?.thread);
    expect(target.stats().coldStarts).toBe(1);
  });

  it("ends an instance that outlives its deadline and cold-starts a fresh one", async () => {
    const target = pool(1);
    const before = await invoke(target, { do: "count" });
    await expect(invoke(target, { do: "spin", ms: 3_000 }, 200)).rejects.toMatchObject({
      name: "FunctionTimedOut",
    });
    const after = await invoke(target, { do: "count" });
    expect(after?.thread).not.toBe(before?.thread);
    // Fresh module state: the new instance has answered one invocation.
    expect(after?.count).toBe(1);
    expect(target.stats()).toMatchObject({ instances: 1, coldStarts: 2 });
  });

  it("replaces an instance that exits mid-invocation", async () => {
    const target = pool(1);
    await expect(invoke(target, { do: "exit" })).rejects.toMatchObject({
      name: "InstanceExited",
      message: "fixture: InstanceExited: the instance exited with code 3",
    });
    expect((await invoke(target, { do: "count" }))?.count).toBe(1);
    expect(target.stats().coldStarts).toBe(2);
  });

  it("fails the invocation that waited for a failed init, and tries the init again next time", async () => {
    const target = pool(1, { FAIL_INIT: "yes" });
    await expect(invoke(target, { do: "count" })).rejects.toThrow(
      "fixture: Error: init refused by the fixture",
    );
    await expect(invoke(target, { do: "count" })).rejects.toThrow("init refused");
    expect(target.stats()).toEqual({ instances: 0, coldStarts: 2, queued: 0 });
  });

  it("refuses invocations once closed, and closes with invocations still waiting", async () => {
    const target = pool(1);
    await invoke(target, { do: "count" });
    const running = expect(invoke(target, { do: "wait", ms: 300 })).rejects.toMatchObject({
      name: "InstanceExited",
    });
    const waiting = expect(invoke(target, { do: "count" })).rejects.toThrow(
      "fixture: the pool closed",
    );
    await target.close();
    await Promise.all([running, waiting]);
    await expect(invoke(target, { do: "count" })).rejects.toThrow("fixture: the pool is closed");
  });

  it("warms one instance ahead of the first invocation, which then finds it ready", async () => {
    const target = pool(2);
    await target.warm();
    expect(target.stats()).toEqual({ instances: 1, coldStarts: 1, queued: 0 });
    await target.warm();
    expect((await invoke(target, { do: "count" }))?.count).toBe(1);
    expect(target.stats().coldStarts).toBe(1);
  });

  it("rejects a warm-up whose init fails, with the init's error", async () => {
    const target = pool(1, { FAIL_INIT: "yes" });
    await expect(target.warm()).rejects.toThrow("fixture: Error: init refused by the fixture");
    await target.close();
    await expect(target.warm()).rejects.toThrow("fixture: the pool is closed");
  });

  it("needs at least one instance", () => {
    expect(() => createFunctionPool({ name: "x", spec: fixtureFunction(), instances: 0 })).toThrow(
      "x: instances must be a whole number of at least 1",
    );
  });
});
