import { beforeAll, expect, it } from "vitest";
import { benchRequestCosts, type RequestCost } from "./bench/request-cost-bench";

/**
 * The bench's counted costs (docs/capacity.md), pinned: counts, not times, so they are exact. A
 * change that adds a statement to a task route or a row to an auth request fails here first.
 */
let costs: Map<string, RequestCost>;
beforeAll(async () => {
  costs = new Map((await benchRequestCosts()).requests.map((cost) => [cost.request, cost]));
});

const cost = (request: string): RequestCost => {
  const found = costs.get(request);
  if (!found) throw new Error(`the bench did not measure ${request}`);
  return found;
};

it("serves every task route with one statement, the session check inside it", () => {
  for (const request of [
    "POST /api/tasks",
    "GET /api/tasks",
    "GET /api/tasks/{id}",
    "PATCH /api/tasks/{id}",
    "DELETE /api/tasks/{id}",
  ]) {
    expect(cost(request).statements, request).toBe(1);
    expect(cost(request).status, request).toBeLessThan(300);
  }
});

it("writes one rate_limit row per rate-limited auth request, none for the JWKS or an unknown path", () => {
  for (const request of [
    "POST /api/auth/sign-up/email",
    "POST /api/auth/sign-in/email",
    "GET /api/auth/get-session",
    "GET /api/auth/token",
    "POST /api/auth/sign-out",
  ]) {
    expect(cost(request).rowsWritten.rate_limit, request).toBe(1);
  }
  expect(cost("GET /api/auth/get-session").rowsWritten).toEqual({ rate_limit: 1 });
  expect(cost("GET /api/auth/jwks (not rate-limited)").rowsWritten).toEqual({});
  expect(cost("GET /api/auth/no-such-path (404)")).toMatchObject({
    status: 404,
    statements: 0,
    rowsWritten: {},
  });
});
