import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { RawRequest, RawResponse } from "./k6-fake/runtime";

/**
 * Synchronous HTTP for the fake k6 runtime: k6's http calls block the VU until the answer is in,
 * and the scripts are written that way. A worker thread sends each request with fetch while the
 * caller waits on a shared flag, then the answer is taken off the port without an event loop turn.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, signal } = workerData;
const flag = new Int32Array(signal);
port.on("message", async (request) => {
  let answer;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
    });
    const headers = [];
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") headers.push([name, value]);
    });
    for (const value of response.headers.getSetCookie()) headers.push(["set-cookie", value]);
    answer = { status: response.status, url: request.url, headers, body: await response.text() };
  } catch (error) {
    answer = { failure: String((error && error.message) || error) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

const ANSWER_TIMEOUT_MS = 30_000;

export interface SyncTransport {
  send(request: RawRequest): RawResponse;
  close(): Promise<void>;
}

export function startSyncTransport(): SyncTransport {
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, signal },
    transferList: [port2],
  });
  worker.unref();
  return {
    send(request) {
      Atomics.store(flag, 0, 0);
      port1.postMessage(request);
      if (Atomics.wait(flag, 0, 0, ANSWER_TIMEOUT_MS) === "timed-out") {
        throw new Error(`no answer to ${request.method} ${request.url} in ${ANSWER_TIMEOUT_MS} ms`);
      }
      const answer = receiveMessageOnPort(port1)?.message as
        | RawResponse
        | { failure: string }
        | undefined;
      if (!answer) throw new Error(`the transport lost the answer to ${request.url}`);
      if ("failure" in answer)
        throw new Error(`${request.method} ${request.url}: ${answer.failure}`);
      return answer;
    },
    async close() {
      port1.close();
      await worker.terminate();
    },
  };
}
