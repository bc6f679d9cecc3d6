import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import {
  accessToken,
  cookieHeader,
  createTestAuth,
  sessionIdOf,
  signUp,
  TEST_PASSWORD,
  type TestAuth,
  uniqueEmail,
} from "../../infra/testing/auth";
import { ENGINES, TEST_POSTGRES_URL, withDatabaseName } from "../../infra/testing/database";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { captureLogs } from "../../infra/testing/logs";
import { authorizerFor } from "../../infra/testing/signers";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import { retireSigningKeys } from "../auth/signing-keys";
import type { AuthorizeRequest } from "../authorizer/authorize-request";
import type { Task } from "../tasks/task-schemas";
import { type DatabaseHandle, openDatabase } from "./database";
import { runMigrations } from "./migrate";

/**
 * docs/operations.md, "Restore the database to a point in time": Neon's restore, played on
 * PostgreSQL. The live database is copied at the restore point (CREATE DATABASE … TEMPLATE, what
 * a branch at a timestamp is), life goes on, and then the stage runs on the copy with the same
 * BETTER_AUTH_SECRET. What existed before the point works; what was made after is gone, and
 * every request says so in the way the runbook states.
 */
const SECRET = randomBytes(32).toString("base64url");
const databases: string[] = [];

async function admin<T>(run: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ url: TEST_POSTGRES_URL, maxConnections: 1 });
  try {
    return await run(handle);
  } finally {
    await handle.close();
  }
}

afterAll(async () => {
  await admin(async ({ db }) => {
    for (const name of databases) {
      await db.execute(sql.raw(`drop database if exists "${name}" with (force)`));
    }
  });
});

/** A stage's view of one database: its auth function, its tasks API and a caller for each. */
async function stageOn(name: string) {
  const handle = await openDatabase({ url: withDatabaseName(TEST_POSTGRES_URL, name) });
  const testAuth: TestAuth = createTestAuth(handle, { secret: SECRET });
  return { handle, testAuth, call: testAuth.caller(), tasks: createGatewayClient(handle) };
}

describe.skipIf(!ENGINES.includes("postgres"))("a point-in-time restore on PostgreSQL", () => {
  it("keeps what came before the point; what came after answers SESSION_ENDED, unknown_kid or 401", async () => {
    const live = `test_${randomBytes(6).toString("hex")}`;
    const point = `${live}_restored`;
    databases.push(live, point);
    await admin(({ db }) => db.execute(sql.raw(`create database "${live}"`)));

    // Before the restore point: a user, a session, a task, the first signing key.
    let stage = await stageOn(live);
    await runMigrations(stage.handle.db);
    const early = await signUp(stage.call, uniqueEmail("before-point"));
    const earlyToken = await accessToken(stage.call, early.cookie);
    const callApi = async (authorize: AuthorizeRequest, token: string) => {
      const verdict = await authorize(authorizerEvent({ authorization: `Bearer ${token}` }));
      if (!verdict.isAuthorized) return { status: 403, body: undefined };
      const response = await stage.tasks("GET", "/api/tasks", { authorizer: verdict.context });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const created = await stage.tasks("POST", "/api/tasks", {
      as: { userId: early.id, sessionId: await sessionIdOf(stage.call, early.cookie) },
      json: { title: "before the point" },
    });
    const keptTask = (await created.json()) as Task;
    await stage.handle.close();
    await admin(({ db }) => db.execute(sql.raw(`create database "${point}" template "${live}"`)));

    // After the point: a new user, a second device, a task, a rotated signing key.
    stage = await stageOn(live);
    const late = await signUp(stage.call, uniqueEmail("after-point"));
    const lateToken = await accessToken(stage.call, late.cookie);
    const secondDevice = cookieHeader(
      await stage.call("POST", "/sign-in/email", {
        body: { email: early.email, password: TEST_PASSWORD },
      }),
    );
    await retireSigningKeys(stage.handle.db);
    const rotatedToken = await accessToken(stage.call, early.cookie);
    expect(decodeProtectedHeader(rotatedToken).kid).not.toBe(decodeProtectedHeader(earlyToken).kid);
    // A warm authorizer instance: it has fetched the key set holding both keys.
    const warmAuthorizer: AuthorizeRequest = authorizerFor(stage.testAuth);
    expect((await callApi(warmAuthorizer, rotatedToken)).status).toBe(200);
    const lostTask = await stage.tasks("POST", "/api/tasks", {
      as: { userId: early.id, sessionId: await sessionIdOf(stage.call, early.cookie) },
      json: { title: "after the point" },
    });
    expect(lostTask.status).toBe(201);
    await stage.handle.close();

    // The restore: the stage runs on the copy, with the same secret.
    stage = await stageOn(point);
    const freshAuthorizer = authorizerFor(stage.testAuth);
    try {
      // Before the point: the session, the token, the task and the key are all there.
      const kept = await callApi(warmAuthorizer, earlyToken);
      expect(kept.status).toBe(200);
      expect((kept.body as { items: Task[] }).items.map((task) => task.title)).toEqual([
        keptTask.title,
      ]);
      const again = await accessToken(stage.call, early.cookie);
      expect(decodeProtectedHeader(again).kid).toBe(decodeProtectedHeader(earlyToken).kid);
      expect((await callApi(freshAuthorizer, again)).status).toBe(200);

      // A session made after the point: its token still verifies, the API ends it.
      const ended = await callApi(warmAuthorizer, lateToken);
      expect(ended).toEqual({
        status: 401,
        body: {
          error: { code: "SESSION_ENDED", message: "Your session has ended; sign in again" },
        },
      });
      const gone = await stage.call("POST", "/sign-in/email", {
        body: { email: late.email, password: TEST_PASSWORD },
      });
      expect(gone.status).toBe(401);
      const signedOut = await stage.call("GET", "/get-session", { cookie: secondDevice });
      expect(await signedOut.json()).toBeNull();

      // A key minted after the point is unknown to an authorizer that had not cached it.
      const { value: denied, lines } = await captureLogs(() =>
        freshAuthorizer(authorizerEvent({ authorization: `Bearer ${rotatedToken}` })),
      );
      expect(denied.isAuthorized).toBe(false);
      expect(lines.join("\n")).toContain('"reason":"unknown_kid"');
      const published = (await (await stage.call("GET", "/jwks")).json()) as {
        keys: { kid: string }[];
      };
      expect(published.keys.map((key) => key.kid)).toEqual([decodeProtectedHeader(earlyToken).kid]);
      // An authorizer that cached it keeps accepting its tokens until they expire (15 minutes).
      expect((await callApi(warmAuthorizer, rotatedToken)).status).toBe(200);
    } finally {
      await stage.handle.close();
    }
  });
});
