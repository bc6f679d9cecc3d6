/** Typed calls to the tasks API (see DESIGN.md), authorised with the short-lived bearer JWT. */
import type { AccessTokenSource } from "./access-token";
import { ApiError } from "./api-error";

/** Mirrors TASK_TITLE_MAX / TASK_DESCRIPTION_MAX in functions/db/schema.ts (a test keeps them equal). */
export const TASK_TITLE_MAX = 200;
export const TASK_DESCRIPTION_MAX = 2000;
export const PAGE_SIZE = 20;

export interface Task {
  id: string;
  title: string;
  description: string | null;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface TaskPage {
  items: Task[];
  nextCursor: string | null;
}

export type TaskFilter = "all" | "active" | "done";

export interface TaskChanges {
  title?: string;
  description?: string | null;
  completed?: boolean;
}

export interface TasksApi {
  list(filter: TaskFilter, cursor: string | null): Promise<TaskPage>;
  create(input: { title: string; description: string | null }): Promise<Task>;
  update(id: string, changes: TaskChanges): Promise<Task>;
  remove(id: string, options?: { keepalive?: boolean }): Promise<void>;
}

export interface TasksApiOptions {
  tokens: AccessTokenSource;
  fetchImpl?: typeof fetch;
  origin?: string;
}

function isTask(value: unknown): value is Task {
  if (typeof value !== "object" || value === null) return false;
  const task = value as Record<string, unknown>;
  return (
    typeof task.id === "string" &&
    typeof task.title === "string" &&
    (task.description === null || typeof task.description === "string") &&
    typeof task.completed === "boolean" &&
    typeof task.createdAt === "string" &&
    typeof task.updatedAt === "string"
  );
}

function isTaskPage(value: unknown): value is TaskPage {
  if (typeof value !== "object" || value === null) return false;
  const page = value as Record<string, unknown>;
  return (
    Array.isArray(page.items) &&
    page.items.every(isTask) &&
    (page.nextCursor === null || typeof page.nextCursor === "string")
  );
}

export function createTasksApi(options: TasksApiOptions): TasksApi {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const origin = options.origin ?? "";

  async function send(
    method: string,
    path: string,
    body: unknown,
    token: string,
    keepalive: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${token}`,
    };
    const init: RequestInit = { method, headers, credentials: "same-origin", keepalive };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await fetchImpl(`${origin}${path}`, init);
    } catch {
      throw ApiError.network();
    }
  }

  /** Sends with the cached token; a 401/403 earns exactly one retry with a fresh token. */
  async function request(
    method: string,
    path: string,
    body?: unknown,
    keepalive = false,
  ): Promise<Response> {
    let response = await send(method, path, body, await options.tokens.get(), keepalive);
    if (response.status === 401 || response.status === 403) {
      response = await send(method, path, body, await options.tokens.refresh(), keepalive);
      if (response.status === 401 || response.status === 403) throw ApiError.sessionEnded();
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    return response;
  }

  async function readJson<T>(
    response: Response,
    guard: (value: unknown) => value is T,
  ): Promise<T> {
    const value: unknown = await response.json().catch(() => null);
    if (!guard(value)) throw ApiError.fromStatus(502);
    return value;
  }

  return {
    async list(filter, cursor) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (filter !== "all") query.set("completed", filter === "done" ? "true" : "false");
      if (cursor) query.set("cursor", cursor);
      return readJson(await request("GET", `/api/tasks?${query}`), isTaskPage);
    },
    async create(input) {
      const body = input.description ? input : { title: input.title };
      return readJson(await request("POST", "/api/tasks", body), isTask);
    },
    async update(id, changes) {
      return readJson(
        await request("PATCH", `/api/tasks/${encodeURIComponent(id)}`, changes),
        isTask,
      );
    },
    async remove(id, removeOptions) {
      try {
        await request(
          "DELETE",
          `/api/tasks/${encodeURIComponent(id)}`,
          undefined,
          removeOptions?.keepalive ?? false,
        );
      } catch (error) {
        // Already gone is what the user asked for.
        if (error instanceof ApiError && error.kind === "not-found") return;
        throw error;
      }
    },
  };
}
