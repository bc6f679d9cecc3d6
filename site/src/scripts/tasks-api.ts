/** Typed calls to the tasks API, authorised with the short-lived bearer JWT. */
import type { CreateTask, Task, TaskPage, UpdateTask } from "../../../functions/tasks/task-schemas";
import type { AccessTokenSource } from "./access-token";
import { ApiError, envelopeOf } from "./api-error";

/** The limits the database and the API enforce, for the forms' maxlength and counters. */
export { TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "../../../functions/shared/task-limits";
export const PAGE_SIZE = 20;

export type TaskFilter = "all" | "active" | "done";

export interface TasksApi {
  list(filter: TaskFilter, cursor: string | null): Promise<TaskPage>;
  create(input: CreateTask): Promise<Task>;
  update(id: string, changes: UpdateTask): Promise<Task>;
  remove(id: string, options?: { keepalive?: boolean }): Promise<void>;
}

export interface TasksApiOptions {
  tokens: AccessTokenSource;
  fetchImpl?: typeof fetch;
  origin?: string;
}

/** The tasks API's code for a token whose session was signed out, revoked or has expired. */
export const SESSION_ENDED_CODE = "SESSION_ENDED";

/** The envelope's code, read from a copy so the response stays readable. */
async function errorCodeOf(response: Response): Promise<string | undefined> {
  return envelopeOf(
    await response
      .clone()
      .json()
      .catch(() => null),
  )?.code;
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

  /**
   * Sends with the cached token; a 401/403 earns exactly one retry with a fresh token, except the
   * API's SESSION_ENDED: that session is gone, and no new token would change the answer.
   */
  async function request(
    method: string,
    path: string,
    body?: unknown,
    keepalive = false,
  ): Promise<Response> {
    let response = await send(method, path, body, await options.tokens.get(), keepalive);
    if (response.status === 401 && (await errorCodeOf(response)) === SESSION_ENDED_CODE) {
      throw ApiError.sessionEnded();
    }
    if (response.status === 401 || response.status === 403) {
      response = await send(method, path, body, await options.tokens.refresh(), keepalive);
      if (response.status === 401 || response.status === 403) throw ApiError.sessionEnded();
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    return response;
  }

  /** Trusts the same-origin API to answer as its schemas say; a body that is not JSON is a 502. */
  async function readJson<T>(response: Response): Promise<T> {
    try {
      return (await response.json()) as T;
    } catch {
      throw ApiError.fromStatus(502);
    }
  }

  return {
    async list(filter, cursor) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (filter !== "all") query.set("completed", filter === "done" ? "true" : "false");
      if (cursor) query.set("cursor", cursor);
      return readJson<TaskPage>(await request("GET", `/api/tasks?${query}`));
    },
    async create(input) {
      const body = input.description ? input : { title: input.title };
      return readJson<Task>(await request("POST", "/api/tasks", body));
    },
    async update(id, changes) {
      return readJson<Task>(
        await request("PATCH", `/api/tasks/${encodeURIComponent(id)}`, changes),
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
