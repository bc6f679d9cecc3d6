import { createRoute, z } from "@hono/zod-openapi";
import {
  CreateTaskSchema,
  ErrorSchema,
  HealthSchema,
  ListTasksQuerySchema,
  TaskIdParamsSchema,
  TaskPageSchema,
  TaskSchema,
  UpdateTaskSchema,
} from "./task-schemas";

/** The route definitions: the app validates with them and the OpenAPI document is built from them. */

export const BEARER_SECURITY_SCHEME = "bearerAuth";
const bearer = [{ [BEARER_SECURITY_SCHEME]: [] }];

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string) => json(ErrorSchema, description);

const commonErrors = {
  401: error(
    "No authorizer context (`unauthorized`), or the token's session was signed out, revoked or deleted with its account, or has expired (`SESSION_ENDED`: sign in again).",
  ),
  500: error("Unexpected failure (`internal`); no internals are exposed."),
  503: error("The database cannot be reached (`unavailable`)."),
};
const invalid = {
  400: error(
    "Malformed JSON, text that is not well-formed UTF-8 (invalid bytes, unpaired surrogate escapes), wrong types, out-of-range values or unknown fields (`invalid_request`).",
  ),
};
const tooLarge = { 413: error("The body is over 16 KiB (`payload_too_large`).") };
const notFound = {
  404: error("No task with this id belongs to the caller (`not_found`); never 403."),
};
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const listTasksRoute = createRoute({
  method: "get",
  path: "/api/tasks",
  operationId: "listTasks",
  tags: ["tasks"],
  summary: "List the caller's tasks, newest first",
  security: bearer,
  request: { query: ListTasksQuerySchema },
  responses: { 200: json(TaskPageSchema, "One page of tasks."), ...invalid, ...commonErrors },
});

export const createTaskRoute = createRoute({
  method: "post",
  path: "/api/tasks",
  operationId: "createTask",
  tags: ["tasks"],
  summary: "Create a task",
  security: bearer,
  request: { body: body(CreateTaskSchema) },
  responses: {
    201: {
      ...json(TaskSchema, "The created task."),
      headers: z.object({
        Location: z.string().openapi({ description: "/api/tasks/{id} of the new task." }),
      }),
    },
    ...invalid,
    ...tooLarge,
    ...commonErrors,
  },
});

export const getTaskRoute = createRoute({
  method: "get",
  path: "/api/tasks/{id}",
  operationId: "getTask",
  tags: ["tasks"],
  summary: "Read one task",
  security: bearer,
  request: { params: TaskIdParamsSchema },
  responses: { 200: json(TaskSchema, "The task."), ...notFound, ...commonErrors },
});

export const updateTaskRoute = createRoute({
  method: "patch",
  path: "/api/tasks/{id}",
  operationId: "updateTask",
  tags: ["tasks"],
  summary: "Change a task's title, description or completion",
  security: bearer,
  request: { params: TaskIdParamsSchema, body: body(UpdateTaskSchema) },
  responses: {
    200: json(TaskSchema, "The updated task."),
    ...invalid,
    ...notFound,
    ...tooLarge,
    ...commonErrors,
  },
});

export const deleteTaskRoute = createRoute({
  method: "delete",
  path: "/api/tasks/{id}",
  operationId: "deleteTask",
  tags: ["tasks"],
  summary: "Delete a task",
  security: bearer,
  request: { params: TaskIdParamsSchema },
  responses: { 204: { description: "Deleted." }, ...notFound, ...commonErrors },
});

export const healthRoute = createRoute({
  method: "get",
  path: "/api/health",
  operationId: "health",
  tags: ["operations"],
  summary: "Check that the API can query its database",
  responses: {
    200: json(HealthSchema, "The API and its database answer."),
    500: commonErrors[500],
    503: commonErrors[503],
  },
});

export const openApiRoute = createRoute({
  method: "get",
  path: "/api/openapi.json",
  operationId: "openapi",
  tags: ["operations"],
  summary: "This document (OpenAPI 3.1)",
  responses: {
    200: json(z.record(z.string(), z.unknown()), "The OpenAPI 3.1 document of this API."),
  },
});

export const TASKS_API_ROUTES = [
  healthRoute,
  openApiRoute,
  listTasksRoute,
  createTaskRoute,
  getTaskRoute,
  updateTaskRoute,
  deleteTaskRoute,
] as const;
