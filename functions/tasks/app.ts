import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Database } from "../db/database";
import { pingDatabase } from "../db/database";
import type { TaskRow } from "../db/schema";
import { trustedClientAddress } from "../shared/client-address";
import { bindingsOf } from "../shared/gateway-event";
import { gatewayRequestId, type ObservedEnv, observeRequests } from "../shared/request-log";
import { nosniff } from "../shared/response-headers";
import { requireWellFormedText } from "../shared/well-formed-body";
import { ApiError, invalidRequest, taskNotFound, unauthorized } from "./api-error";
import { readAuthorizerContext } from "./authorizer-context";
import type { Caller } from "./caller-session";
import { describeFailure } from "./database-errors";
import { errorResponseFor } from "./error-response";
import { fieldErrorsOf, locationOf } from "./field-errors";
import { encodeListCursor } from "./list-cursor";
import type { buildOpenApiDocument } from "./openapi-document";
import {
  createTaskForUser,
  deleteTaskForUser,
  getTaskForUser,
  listTasksForUser,
  updateTaskForUser,
} from "./task-repository";
import {
  createTaskRoute,
  deleteTaskRoute,
  getTaskRoute,
  healthRoute,
  listTasksRoute,
  openApiRoute,
  updateTaskRoute,
} from "./task-routes";
import { DEFAULT_PAGE_SIZE, type Task } from "./task-schemas";

/** Largest request body the API reads; larger ones get 413 before any parsing. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface TasksAppSettings {
  db: Database;
}

export type TasksEnv = {
  Bindings: ObservedEnv["Bindings"];
  Variables: ObservedEnv["Variables"] & { caller: Caller };
};

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Responses hold a user's data: none is cached unless its route says so. */
const noStoreByDefault: MiddlewareHandler<TasksEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
};

/**
 * Task routes run only behind the authorizer; the user and session ids come from its context and
 * nowhere else (every query then checks that session, see caller-session.ts).
 */
const requireAuthorizerContext: MiddlewareHandler<TasksEnv> = async (c, next) => {
  const context = readAuthorizerContext(bindingsOf(c).requestContext);
  if (!context) throw unauthorized("Authentication required");
  c.set("caller", { userId: context.userId, sessionId: context.sessionId });
  await next();
  if (context.verifyMs !== undefined) {
    c.res.headers.set("server-timing", `verify;dur=${context.verifyMs}`);
  }
};

/** 413 for a body over the limit, before any parsing. */
const limitBodySize = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      "payload_too_large",
      `The body must be at most ${MAX_BODY_BYTES} bytes`,
    );
  },
});

/** 400 for invalid UTF-8 or an unpaired surrogate anywhere in a body, before anything is stored. */
const wellFormedBody = requireWellFormedText<TasksEnv>((_c, { field }) => {
  throw invalidRequest("The body is not well-formed UTF-8 text", [
    {
      location: "body",
      field,
      message: "must be well-formed UTF-8 text, without unpaired surrogate escapes",
    },
  ]);
});

export function createTasksApp({ db }: TasksAppSettings): OpenAPIHono<TasksEnv> {
  const app = new OpenAPIHono<TasksEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      // An id that is not a uuid cannot name a task: the same 404 as any unknown id.
      if (result.target === "param") throw taskNotFound();
      throw invalidRequest(
        "The request is invalid",
        fieldErrorsOf(result.error, locationOf(result.target)),
      );
    },
  });

  // No origin secret: nothing here is keyed by the address, so the TCP peer is enough.
  app.use(
    "*",
    nosniff,
    gatewayRequestId,
    observeRequests("api"),
    noStoreByDefault,
    trustedClientAddress(),
  );
  // Hono's "/api/tasks/*" also matches "/api/tasks" itself.
  app.use("/api/tasks/*", requireAuthorizerContext);
  app.use("*", limitBodySize, wellFormedBody);

  app.openapi(listTasksRoute, async (c) => {
    const { limit, cursor, completed } = c.req.valid("query");
    const page = await listTasksForUser(db, c.get("caller"), {
      limit: limit ?? DEFAULT_PAGE_SIZE,
      after: cursor,
      completed,
    });
    return c.json(
      {
        items: page.items.map(toTask),
        nextCursor: page.next ? encodeListCursor(page.next) : null,
      },
      200,
    );
  });

  app.openapi(createTaskRoute, async (c) => {
    const row = await createTaskForUser(db, c.get("caller"), c.req.valid("json"));
    c.header("location", `/api/tasks/${row.id}`);
    return c.json(toTask(row), 201);
  });

  app.openapi(getTaskRoute, async (c) => {
    const row = await getTaskForUser(db, c.get("caller"), c.req.valid("param").id);
    if (!row) throw taskNotFound();
    return c.json(toTask(row), 200);
  });

  app.openapi(updateTaskRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await updateTaskForUser(db, c.get("caller"), id, c.req.valid("json"));
    if (!row) throw taskNotFound();
    return c.json(toTask(row), 200);
  });

  app.openapi(deleteTaskRoute, async (c) => {
    const deleted = await deleteTaskForUser(db, c.get("caller"), c.req.valid("param").id);
    if (!deleted) throw taskNotFound();
    return c.body(null, 204);
  });

  app.openapi(healthRoute, async (c) => {
    try {
      await pingDatabase(db);
    } catch (error) {
      c.set("failure", describeFailure(error));
      throw new ApiError(503, "unavailable", "The database is unreachable");
    }
    return c.json({ status: "ok" as const, database: "ok" as const }, 200);
  });

  // Loaded and built on its first request, not in every cold start: most instances never serve
  // it, and the auth routes' schemas it documents are the API's to describe, not to validate.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.openapi(openApiRoute, async (c) => {
    c.header("cache-control", "public, max-age=300");
    document ??= (await import("./openapi-document")).buildOpenApiDocument();
    return c.json(document, 200);
  });

  app.notFound((c) => c.json(new ApiError(404, "not_found", "No such route").toEnvelope(), 404));

  app.onError((error, c) => {
    const { status, envelope, failure } = errorResponseFor(error);
    if (failure && !c.get("failure")) c.set("failure", failure);
    return c.json(envelope, status);
  });

  return app;
}
