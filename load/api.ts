/**
 * The task API under a realistic open-loop load: many users at a constant arrival rate running
 * the mix in lib/mix.ts (list, read, create, update, delete), each endpoint judged on its own.
 *
 *   k6 run load/api.ts                                   # against npm start
 *   k6 run -e BASE_URL=https://dxxxx.cloudfront.net -e RATE=100 -e DURATION=5m load/api.ts
 */
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import type { Options } from "k6/options";
import { API_URL, arrivalRateVus, readDuration, readNumber } from "./lib/config.ts";
import { jsonObject } from "./lib/http-helpers.ts";
import {
  createBody,
  EXPECTED_STATUS,
  listQuery,
  OPERATION_ROUTES,
  OPERATIONS,
  type Operation,
  operationFor,
  pickOperation,
  updateBody,
} from "./lib/mix.ts";
import { openLoopOptions, type UsersData, usersLifecycle } from "./lib/scenario.ts";
import { summaryHandler } from "./lib/summary.ts";
import { bearerFor } from "./lib/users.ts";

/** Requests per second (one request per iteration). */
const RATE = readNumber("RATE", 40, { min: 1, integer: true });
const DURATION = readDuration("DURATION", "50s");
const USERS = readNumber("USERS", 20, { min: 1, max: 1000, integer: true });

const endpointThresholds: Record<string, string[]> = {};
for (const op of OPERATIONS) {
  endpointThresholds[`http_req_duration{endpoint:${op}}`] = ["p(95)<100", "p(99)<250"];
}

export const options: Options = openLoopOptions("api", {
  rate: RATE,
  duration: DURATION,
  // One VU per user at least: each VU acts as one user, so every user is exercised.
  vus: arrivalRateVus(RATE, USERS),
  thresholds: endpointThresholds,
});

export const { setup, teardown } = usersLifecycle(USERS);

/** The tasks this VU created and still holds: it only ever reads, edits or deletes its own. */
const ownTasks: string[] = [];
let sequence = 0;

export default function (data: UsersData): void {
  const user = data.users[(exec.vu.idInTest - 1) % data.users.length];
  if (!user) throw new Error("setup created no users");
  const op: Operation = operationFor(pickOperation(Math.random()), ownTasks.length);
  const params = {
    headers: { Authorization: bearerFor(user), "Content-Type": "application/json" },
    tags: { endpoint: op, name: OPERATION_ROUTES[op] },
  };
  sequence++;
  const pick = Math.floor(Math.random() * ownTasks.length);
  const taskId = ownTasks[pick] ?? "";
  const taskUrl = `${API_URL}/tasks/${taskId}`;
  switch (op) {
    case "list": {
      const response = http.get(`${API_URL}/tasks${listQuery(Math.random())}`, params);
      check(response, {
        "list: 200 with items": (r) =>
          r.status === EXPECTED_STATUS.list && Array.isArray(jsonObject(r)?.items),
      });
      break;
    }
    case "create": {
      const response = http.post(`${API_URL}/tasks`, createBody(sequence), params);
      const id = jsonObject(response)?.id;
      const created = check(response, {
        "create: 201 with an id": (r) =>
          r.status === EXPECTED_STATUS.create && typeof id === "string",
      });
      if (created && typeof id === "string") ownTasks.push(id);
      break;
    }
    case "read": {
      const response = http.get(taskUrl, params);
      check(response, {
        "read: 200 with the task": (r) =>
          r.status === EXPECTED_STATUS.read && jsonObject(r)?.id === taskId,
      });
      break;
    }
    case "update": {
      const response = http.patch(taskUrl, updateBody(sequence), params);
      check(response, {
        "update: 200 with the task": (r) =>
          r.status === EXPECTED_STATUS.update && jsonObject(r)?.id === taskId,
      });
      break;
    }
    case "delete": {
      const response = http.del(taskUrl, null, params);
      check(response, { "delete: 204": (r) => r.status === EXPECTED_STATUS.delete });
      ownTasks.splice(pick, 1);
      break;
    }
  }
}

export const handleSummary = summaryHandler("api");
