import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { createAuth } from "../../functions/auth/create-auth";
import type { Database } from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";
import { schema } from "../../functions/db/schema";
import type { Task } from "../../functions/tasks/task-schemas";
import {
  type AuthCall,
  authCaller,
  cookieHeader,
  sessionIdOf,
  TEST_PASSWORD,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";
import { mailTokenOf, newestMailTo } from "../../infra/testing/mail";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import { table } from "./stats";

/**
 * What one request costs the database, counted rather than timed: every statement the code sends
 * (drizzle's query logger, Better Auth's adapter included) and every row it inserts, updates or
 * deletes (PostgreSQL's own pg_stat_user_tables counters), per table. It runs the deployed
 * settings (rate limits and e-mail verification on) through the auth Lambda adapter and the tasks
 * Lambda, on an embedded PGlite: the SQL is the same on Neon; only BEGIN/COMMIT of a transaction
 * are sent by the driver itself and not counted.
 */
export interface RequestCost {
  request: string;
  status: number;
  statements: number;
  /** Statements that insert, update or delete (the task statements do it inside a CTE). */
  writeStatements: number;
  /** Rows inserted + updated + deleted, by table. */
  rowsWritten: Record<string, number>;
}

export interface RequestCostResult {
  /** Each request of a steady state: the client's address has made the same request before. */
  requests: RequestCost[];
}

const WRITES = /\b(?:insert\s+into|update\s+"?\w|delete\s+from)/i;

/** The request logs would drown the bench's output: nothing reaches stdout or the console meanwhile. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  const methods = ["debug", "info", "log", "warn", "error"] as const;
  const saved = methods.map((method) => console[method]);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  for (const method of methods) console[method] = () => {};
  try {
    return await run();
  } finally {
    process.stdout.write = write;
    methods.forEach((method, index) => {
      console[method] = saved[index] as (typeof console)[typeof method];
    });
  }
}

export function benchRequestCosts(): Promise<RequestCostResult> {
  return quietly(countRequestCosts);
}

async function countRequestCosts(): Promise<RequestCostResult> {
  const client = await PGlite.create();
  const sent: string[] = [];
  let recording = false;
  const db = drizzle({
    client,
    schema,
    logger: { logQuery: (query) => void (recording && sent.push(query)) },
  }) as unknown as Database;
  try {
    await runMigrations(db);
    const call = authCaller(createAuth(testAuthSettings(db)), "lambda");
    const tasks = createGatewayClient({ db });

    const written = async (): Promise<Map<string, number>> => {
      // Counters reach the shared view when the backend flushes them; force it, drop the snapshot.
      await client.query("select pg_stat_force_next_flush()");
      await client.query("select pg_stat_clear_snapshot()");
      const { rows } = await client.query<{ relname: string; written: number }>(
        "select relname, (n_tup_ins + n_tup_upd + n_tup_del)::int as written from pg_stat_user_tables",
      );
      return new Map(rows.map((row) => [row.relname, row.written]));
    };
    const costs: RequestCost[] = [];
    const measure = async (request: string, send: () => Promise<Response>) => {
      const before = await written();
      sent.length = 0;
      recording = true;
      const response = await send();
      recording = false;
      const after = await written();
      const writeStatements = sent.filter((query) => WRITES.test(query)).length;
      const rowsWritten: Record<string, number> = {};
      for (const [name, count] of after) {
        const delta = count - (before.get(name) ?? 0);
        if (delta > 0) rowsWritten[name] = delta;
      }
      costs.push({
        request,
        status: response.status,
        statements: sent.length,
        writeStatements,
        rowsWritten,
      });
      return response;
    };

    // Round one warms up (the first token mints the signing key; each address and path gets its
    // rate_limit row); round two, from the same address, is what is reported.
    const address = "198.51.100.40";
    for (const round of [1, 2]) {
      costs.length = 0;
      await authJourney(call, tasks, measure, address);
      if (round === 2) break;
    }
    return { requests: [...costs] };
  } finally {
    await client.close();
  }
}

type Measure = (request: string, send: () => Promise<Response>) => Promise<Response>;

async function authJourney(
  call: AuthCall,
  tasks: ReturnType<typeof createGatewayClient>,
  measure: Measure,
  sourceIp: string,
): Promise<void> {
  const email = uniqueEmail("cost");
  const auth = (method: string, path: string, options: Parameters<AuthCall>[2] = {}) =>
    call(method, path, { ...options, sourceIp });
  await measure("POST /api/auth/sign-up/email", () =>
    auth("POST", "/sign-up/email", { body: { email, password: TEST_PASSWORD, name: "cost" } }),
  );
  const token = mailTokenOf(await newestMailTo(email, "verify-email"));
  await measure("GET /api/auth/verify-email", () =>
    auth("GET", `/verify-email?token=${encodeURIComponent(token)}`),
  );
  const signedIn = await measure("POST /api/auth/sign-in/email", () =>
    auth("POST", "/sign-in/email", { body: { email, password: TEST_PASSWORD } }),
  );
  const cookie = cookieHeader(signedIn);
  await measure("GET /api/auth/get-session", () => auth("GET", "/get-session", { cookie }));
  await measure("GET /api/auth/token", () => auth("GET", "/token", { cookie }));
  await measure("GET /api/auth/jwks (not rate-limited)", () => auth("GET", "/jwks"));
  await measure("GET /api/auth/no-such-path (404)", () => auth("GET", "/no-such-path"));

  const session = await auth("GET", "/get-session", { cookie });
  const { user } = (await session.json()) as { user: { id: string } };
  const as = { userId: user.id, sessionId: await sessionIdOf(call, cookie) };
  const created = await measure("POST /api/tasks", () =>
    tasks("POST", "/api/tasks", { as, json: { title: "counted" } }),
  );
  const { id } = (await created.json()) as Task;
  await measure("GET /api/tasks", () => tasks("GET", "/api/tasks", { as }));
  await measure("GET /api/tasks/{id}", () => tasks("GET", `/api/tasks/${id}`, { as }));
  await measure("PATCH /api/tasks/{id}", () =>
    tasks("PATCH", `/api/tasks/${id}`, { as, json: { completed: true } }),
  );
  await measure("DELETE /api/tasks/{id}", () => tasks("DELETE", `/api/tasks/${id}`, { as }));
  await measure("POST /api/auth/sign-out", () => auth("POST", "/sign-out", { cookie }));
}

/** The bench's section: one row per request. */
export function requestCostSection(result: RequestCostResult): string[] {
  const rows = result.requests.map((cost) => {
    const writes = Object.entries(cost.rowsWritten)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
    const rowsTotal = Object.values(cost.rowsWritten).reduce((sum, count) => sum + count, 0);
    return [
      cost.request,
      String(cost.status),
      String(cost.statements),
      String(cost.writeStatements),
      String(rowsTotal),
      writes || "—",
    ];
  });
  return [
    "",
    "5. Database cost per request, counted (steady state: the address made the same request before; rate limits and verification on)",
    table(["request", "status", "statements", "of which write", "rows written", "by table"], rows),
  ];
}
