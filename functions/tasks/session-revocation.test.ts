import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import {
  type AuthCall,
  accessToken,
  cookieHeader,
  createTestAuth,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { authorizerFor } from "../../infra/testing/signers";
import { countTasks, taskRows } from "../../infra/testing/table-rows";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import type { AuthorizeRequest } from "../authorizer/authorize-request";
import type { AuthorizerContext } from "../shared/gateway-event";
import type { Task } from "./task-schemas";

/**
 * Instant revocation, end to end: real Better Auth flows end a session, and the very token that
 * session minted (still unexpired, still accepted by the authorizer) is refused by the tasks API
 * on every route, with nothing written. Tokens go through the real authorizer; its context goes
 * into the tasks Lambda event as API Gateway would pass it.
 */

const SESSION_ENDED = {
  error: { code: "SESSION_ENDED", message: "Your session has ended; sign in again" },
};

interface Device {
  cookie: string;
  token: string;
}

describeEachEngine("revoked sessions on %s", (database) => {
  const testAuth = createTestAuth(database);
  const tasks = createGatewayClient(database);
  let auth: AuthCall;
  let authorize: AuthorizeRequest;

  beforeAll(() => {
    auth = testAuth.caller("lambda");
    authorize = authorizerFor(testAuth);
  });

  /** The request as it reaches the tasks API: through the authorizer, with its context. */
  async function callWithToken(
    token: string,
    method: string,
    path: string,
    json?: unknown,
  ): Promise<Response> {
    const verdict = await authorize(authorizerEvent({ authorization: `Bearer ${token}` }));
    if (!verdict.isAuthorized) throw new Error("the authorizer refused a token it should accept");
    const authorizer: AuthorizerContext = verdict.context;
    return tasks(method, path, { authorizer, ...(json === undefined ? {} : { json }) });
  }

  async function signIn(email: string, password = TEST_PASSWORD): Promise<Device> {
    const response = await auth("POST", "/sign-in/email", { body: { email, password } });
    expect(response.status).toBe(200);
    const cookie = cookieHeader(response);
    return { cookie, token: await accessToken(auth, cookie) };
  }

  /** A signed-up user on one device, with a task, whose token works. */
  async function userWithTask(label: string) {
    const user = await signUp(auth, uniqueEmail(label));
    const first: Device = { cookie: user.cookie, token: await accessToken(auth, user.cookie) };
    const created = await callWithToken(first.token, "POST", "/api/tasks", { title: "kept" });
    expect(created.status).toBe(201);
    return { user, first, task: (await created.json()) as Task };
  }

  async function expectServed(token: string): Promise<void> {
    expect((await callWithToken(token, "GET", "/api/tasks")).status).toBe(200);
  }

  /** Every route answers 401 SESSION_ENDED to `token`, and no row changes. */
  async function expectSessionEnded(token: string, userId: string, existing: Task) {
    const rowsBefore = await taskRows(database.db, userId);
    const countBefore = await countTasks(database.db);
    const requests: Array<[string, string, unknown]> = [
      ["GET", "/api/tasks", undefined],
      ["POST", "/api/tasks", { title: "written after revocation" }],
      ["GET", `/api/tasks/${existing.id}`, undefined],
      ["PATCH", `/api/tasks/${existing.id}`, { title: "changed after revocation" }],
      ["DELETE", `/api/tasks/${existing.id}`, undefined],
    ];
    for (const [method, path, json] of requests) {
      const response = await callWithToken(token, method, path, json);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(await response.json(), `${method} ${path}`).toEqual(SESSION_ENDED);
    }
    expect(await countTasks(database.db)).toBe(countBefore);
    expect(await taskRows(database.db, userId)).toEqual(rowsBefore);
  }

  it("refuses the token of a signed-out session on every route", async () => {
    const { user, first, task } = await userWithTask("sign-out");
    await expectServed(first.token);
    expect((await auth("POST", "/sign-out", { cookie: first.cookie })).status).toBe(200);
    await expectSessionEnded(first.token, user.id, task);
  });

  it("refuses the other device's token after change-password with revokeOtherSessions", async () => {
    const { user, first, task } = await userWithTask("change-password");
    const other = await signIn(user.email);
    await expectServed(other.token);
    const changed = await auth("POST", "/change-password", {
      cookie: first.cookie,
      body: {
        currentPassword: TEST_PASSWORD,
        newPassword: "another long passphrase",
        revokeOtherSessions: true,
      },
    });
    expect(changed.status).toBe(200);
    await expectSessionEnded(other.token, user.id, task);
    // Better Auth replaces the changing device's session too; its new cookie mints a working token.
    await expectSessionEnded(first.token, user.id, task);
    await expectServed(await accessToken(auth, cookieHeader(changed)));
  });

  it("refuses a session revoked from another device, and only that one", async () => {
    const { user, first, task } = await userWithTask("revoke-session");
    const other = await signIn(user.email);
    const listed = await auth("GET", "/list-sessions", { cookie: first.cookie });
    const sessions = (await listed.json()) as Array<{ token: string; id: string }>;
    expect(sessions).toHaveLength(2);
    const revoked = await auth("POST", "/revoke-session", {
      cookie: first.cookie,
      body: { token: (await sessionOf(other.cookie)).token },
    });
    expect(revoked.status).toBe(200);
    await expectSessionEnded(other.token, user.id, task);
    await expectServed(first.token);
  });

  it("refuses the other devices after revoke-other-sessions, and every device after revoke-sessions", async () => {
    const { user, first, task } = await userWithTask("revoke-sessions");
    const second = await signIn(user.email);
    const third = await signIn(user.email);
    expect((await auth("POST", "/revoke-other-sessions", { cookie: first.cookie })).status).toBe(
      200,
    );
    await expectSessionEnded(second.token, user.id, task);
    await expectSessionEnded(third.token, user.id, task);
    await expectServed(first.token);

    const fourth = await signIn(user.email);
    expect((await auth("POST", "/revoke-sessions", { cookie: fourth.cookie })).status).toBe(200);
    await expectSessionEnded(first.token, user.id, task);
    await expectSessionEnded(fourth.token, user.id, task);
  });

  it("refuses a deleted account's token on every route and writes nothing", async () => {
    const { user, first, task } = await userWithTask("delete-user");
    const deleted = await auth("POST", "/delete-user", {
      cookie: first.cookie,
      body: { password: TEST_PASSWORD },
    });
    expect(deleted.status).toBe(200);
    expect(await taskRows(database.db, user.id)).toEqual([]);
    await expectSessionEnded(first.token, user.id, task);
  });

  it("refuses the token of an expired session, though the token itself has not expired", async () => {
    const { user, first, task } = await userWithTask("expired");
    const sessionId = (await sessionOf(first.cookie)).id;
    await database.db.execute(
      sql`update session set expires_at = now() - interval '1 second' where id = ${sessionId}`,
    );
    await expectSessionEnded(first.token, user.id, task);
  });

  it("refuses a token whose sid names another user's live session", async () => {
    const alice = await userWithTask("alice");
    const bob = await userWithTask("bob");
    const bobsSession = (await sessionOf(bob.first.cookie)).id;
    const verdict = await authorize(
      authorizerEvent({ authorization: `Bearer ${alice.first.token}` }),
    );
    if (!verdict.isAuthorized) throw new Error("the authorizer refused Alice's token");
    const response = await tasks("GET", "/api/tasks", {
      authorizer: { ...verdict.context, sessionId: bobsSession },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(SESSION_ENDED);
  });

  async function sessionOf(cookie: string): Promise<{ id: string; token: string }> {
    const response = await auth("GET", "/get-session", { cookie });
    return ((await response.json()) as { session: { id: string; token: string } }).session;
  }
});
