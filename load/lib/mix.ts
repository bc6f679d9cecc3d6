/**
 * The request mix of load/api.ts, as plain data and functions with no k6 import, so the Node
 * benchmark (load/bench) replays exactly the same mix.
 */
export type Operation = "list" | "create" | "read" | "update" | "delete";

/** Relative weights: reads dominate, as in a task app where people look more than they edit. */
export const OPERATION_WEIGHTS: Readonly<Record<Operation, number>> = {
  list: 40,
  read: 25,
  create: 15,
  update: 12,
  delete: 8,
};

export const OPERATIONS = Object.keys(OPERATION_WEIGHTS) as Operation[];

/** Each client keeps at most this many of its own tasks; beyond it, a create becomes a delete. */
export const TASK_POOL_LIMIT = 50;

/** Picks an operation by weight from a uniform random number in [0, 1). */
export function pickOperation(random: number): Operation {
  const total = OPERATIONS.reduce((sum, op) => sum + OPERATION_WEIGHTS[op], 0);
  let point = random * total;
  for (const op of OPERATIONS) {
    point -= OPERATION_WEIGHTS[op];
    if (point < 0) return op;
  }
  return "list";
}

/**
 * What actually runs given how many of its own tasks the client holds: a read, update or
 * delete needs a task (else create one); a full pool turns a create into a delete.
 */
export function operationFor(picked: Operation, ownTasks: number): Operation {
  if ((picked === "read" || picked === "update" || picked === "delete") && ownTasks === 0) {
    return "create";
  }
  if (picked === "create" && ownTasks >= TASK_POOL_LIMIT) return "delete";
  return picked;
}

/** The list query: mostly the first page, sometimes filtered by completion. */
export function listQuery(random: number): string {
  if (random < 0.2) return "?limit=20&completed=false";
  if (random < 0.3) return "?limit=20&completed=true";
  return "?limit=20";
}

export function createBody(sequence: number): string {
  return JSON.stringify({
    title: `Load test task ${sequence}`,
    description: `Created by the load mix (sequence ${sequence}) to exercise the task API.`,
  });
}

export function updateBody(sequence: number): string {
  return sequence % 2 === 0
    ? JSON.stringify({ completed: true })
    : JSON.stringify({ title: `Load test task ${sequence} (edited)`, completed: false });
}

/** The route-table name of each operation, used as the `name` tag and in reports. */
export const OPERATION_ROUTES: Readonly<Record<Operation, string>> = {
  list: "GET /api/tasks",
  create: "POST /api/tasks",
  read: "GET /api/tasks/{id}",
  update: "PATCH /api/tasks/{id}",
  delete: "DELETE /api/tasks/{id}",
};

/** The status each operation answers on success. */
export const EXPECTED_STATUS: Readonly<Record<Operation, number>> = {
  list: 200,
  create: 201,
  read: 200,
  update: 200,
  delete: 204,
};
