import { createRoute, z } from "@hono/zod-openapi";
import {
  CreateTaskSchema,
  ErrorSchema,
  GatewayErrorSchema,
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
/** An answer that either API Gateway or the tasks API gives, each in its own shape. */
const gatewayOrApiError = (description: string) =>
  json(z.union([GatewayErrorSchema, ErrorSchema]), description);
const gatewayError = (description: string) => json(GatewayErrorSchema, description);

/** What API Gateway may answer on any route, before or instead of the function. */
const edgeErrors = {
  429: gatewayError(
    'Throttled by the stage or by the edge\'s per-address limit: `{"message":"Too Many Requests"}` from the gateway.',
  ),
  500: gatewayOrApiError(
    'Unexpected failure: the API\'s `internal` envelope, or the gateway\'s `{"message":"Internal Server Error"}` when a function (the authorizer included) fails. No internals are exposed.',
  ),
  503: gatewayOrApiError(
    'The database cannot be reached (the API\'s `unavailable`), or the function timed out (the gateway\'s `{"message":"Service Unavailable"}`).',
  ),
};
const commonErrors = {
  401: gatewayOrApiError(
    'No bearer token: the gateway\'s `{"message":"Unauthorized"}`, decided before the authorizer runs. Or the token\'s session was signed out, revoked or deleted with its account, or has expired: the API\'s `SESSION_ENDED` (sign in again); `unauthorized` if the API is ever reached without an authorizer context.',
  ),
  403: gatewayError(
    'The authorizer refused the token (bad signature, unknown key, expired, wrong issuer or audience, oversized): `{"message":"Forbidden"}` from the gateway. Get a new token from GET /api/auth/token.',
  ),
  ...edgeErrors,
};
const invalid = {
  400: error(
    "Malformed JSON, text that is not well-formed UTF-8 (invalid bytes, unpaired surrogate escapes), wrong types, out-of-range values or unknown fields (`invalid_request`).",
  ),
};
const tooLarge = {
  413: gatewayOrApiError(
    'The body is over 16 KiB (the API\'s `payload_too_large`), or over the gateway\'s 10 MiB (`{"message":"Request Entity Too Large"}`).',
  ),
};
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
  security: [],
  responses: { 200: json(HealthSchema, "The API and its database answer."), ...edgeErrors },
});

export const openApiRoute = createRoute({
  method: "get",
  path: "/api/openapi.json",
  operationId: "openapi",
  tags: ["operations"],
  summary: "This document (OpenAPI 3.1)",
  security: [],
  responses: {
    200: json(z.record(z.string(), z.unknown()), "The OpenAPI 3.1 document of this API."),
    ...edgeErrors,
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
