import { z } from "@hono/zod-openapi";
import { TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "../db/schema";
import { decodeListCursor, type ListCursor, MAX_CURSOR_LENGTH } from "./list-cursor";

/**
 * The schemas at the edge of the tasks API. They validate every request and produce the
 * OpenAPI document, so the contract and its enforcement cannot drift apart.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

// Lengths count Unicode code points, as PostgreSQL's char_length and JSON Schema's maxLength do.
const codePoints = (value: string) => Array.from(value).length;
const hasNoNul = (value: string) => !value.includes("\u0000");

const title = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .refine((value) => codePoints(value) <= TASK_TITLE_MAX, {
    message: `must be at most ${TASK_TITLE_MAX} characters`,
    abort: true,
  })
  .refine(hasNoNul, "must not contain NUL characters")
  .openapi({
    description: "Leading and trailing whitespace is removed before the length is checked.",
    minLength: 1,
    maxLength: TASK_TITLE_MAX,
    example: "Write the release notes",
  });

const description = z
  .string()
  .refine((value) => codePoints(value) <= TASK_DESCRIPTION_MAX, {
    message: `must be at most ${TASK_DESCRIPTION_MAX} characters`,
    abort: true,
  })
  .refine(hasNoNul, "must not contain NUL characters")
  .nullable()
  .openapi({ maxLength: TASK_DESCRIPTION_MAX, example: "Cover the new pagination cursor." });

export const TaskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    completed: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Task");

export const TaskPageSchema = z
  .object({
    items: z.array(TaskSchema),
    nextCursor: z.string().nullable().openapi({
      description: "Pass as `cursor` to get the next page; null on the last page.",
    }),
  })
  .openapi("TaskPage");

export const CreateTaskSchema = z
  .strictObject({ title, description: description.optional() })
  .openapi("CreateTask");

export const UpdateTaskSchema = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    completed: z.boolean().optional(),
  })
  .refine(
    (changes) =>
      changes.title !== undefined ||
      changes.description !== undefined ||
      changes.completed !== undefined,
    "at least one of title, description, completed is required",
  )
  .openapi("UpdateTask", { minProperties: 1 });

export const TaskIdParamsSchema = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

const limit = z
  .string()
  .regex(/^\d{1,3}$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
      .max(MAX_PAGE_SIZE, `must be an integer from 1 to ${MAX_PAGE_SIZE}`),
  )
  .optional()
  .openapi({
    param: { name: "limit", in: "query" },
    type: "integer",
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  });

const cursor = z
  .string()
  .transform((text, context): ListCursor => {
    const decoded = decodeListCursor(text);
    if (!decoded) {
      context.addIssue({ code: "custom", message: "is not a cursor returned by this API" });
      return z.NEVER;
    }
    return decoded;
  })
  .optional()
  .openapi({
    param: { name: "cursor", in: "query" },
    type: "string",
    maxLength: MAX_CURSOR_LENGTH,
    description: "The `nextCursor` of the previous page.",
  });

const completed = z
  .enum(["true", "false"], "must be true or false")
  .transform((value) => value === "true")
  .optional()
  .openapi({
    param: { name: "completed", in: "query" },
    type: "boolean",
    description: "Only completed (true) or only open (false) tasks.",
  });

export const ListTasksQuerySchema = z.strictObject({ limit, cursor, completed });

export const HealthSchema = z
  .object({ status: z.literal("ok"), database: z.literal("ok") })
  .openapi("Health");

export const FieldErrorSchema = z
  .object({
    location: z.enum(["body", "query", "path", "header"]),
    field: z.string().openapi({ description: 'Dotted path of the field; "" for the whole body.' }),
    message: z.string(),
  })
  .openapi("FieldError");

const ErrorCodeSchema = z
  .enum([
    "invalid_request",
    "unauthorized",
    "SESSION_ENDED",
    "not_found",
    "payload_too_large",
    "unavailable",
    "internal",
  ])
  .openapi({ description: "Stable, machine-readable error code." });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.array(FieldErrorSchema).optional().openapi({
        description: "For invalid_request: one entry per problem.",
      }),
    }),
  })
  .openapi("Error");

/**
 * API Gateway's own answer (and the edge's 429), decided before any function runs: 401 without a
 * bearer token, 403 when the authorizer refuses it, 413 over the gateway's 10 MiB, 429 when the
 * stage throttle or the per-address limit is hit, 500/503 when a function fails or times out.
 */
export const GatewayErrorSchema = z
  .object({
    message: z.string().openapi({ example: "Unauthorized" }),
  })
  .openapi("GatewayError");

// The contract's types, for the API and (type-only, so no bytes of runtime) the site and tests.
export type Task = z.infer<typeof TaskSchema>;
export type TaskPage = z.infer<typeof TaskPageSchema>;
export type CreateTask = z.input<typeof CreateTaskSchema>;
export type UpdateTask = z.input<typeof UpdateTaskSchema>;
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export type FieldError = z.infer<typeof FieldErrorSchema>;
export type ErrorEnvelope = z.infer<typeof ErrorSchema>;
export type GatewayError = z.infer<typeof GatewayErrorSchema>;
