import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRICT_RATE_LIMITS } from "../../functions/auth/create-auth";
import { openDatabase } from "../../functions/db/database";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../../functions/shared/client-address";
import type { Task } from "../../functions/tasks/task-schemas";
import { floorFunction } from "../../load/bench/floor-function";
import { ROUTES } from "../routes";
import { createTestDatabase, ENGINES, type Engine, type TestDatabase } from "../testing/database";
import { useTempDir } from "../testing/temp-dir";
import { OUTBOX_JSON_PATH, OUTBOX_PAGE_PATH, type OutboxMessage } from "./outbox";
import { type LocalStack, startLocalStack } from "./stack";

/**
 * The whole local stack in-process on an ephemeral port, walked over HTTP as the site and a
 * script would: the real Lambda entries behind the local API Gateway, on PGlite and PostgreSQL.
 */
const PASSWORD = "correct horse battery staple";

/** A browser-like client: sends the page's Origin and keeps the cookies it is given. */
function client(origin: string) {
  let cookie = "";
  return {
    get cookie() {
      return cookie;
    },
    async call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
      const headers: Record<string, string> = { origin };
      if (cookie) headers.cookie = cookie;
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${origin}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const fresh = response.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
      if (fresh.length) {
        const jar = new Map(
          cookie
            .split("; ")
            .filter(Boolean)
            .map((pair) => [pair.split("=")[0], pair] as const),
        );
        for (const pair of fresh) {
          const [name] = pair.split("=");
          if (pair.endsWith("=")) jar.delete(name);
          else jar.set(name, pair);
        }
        cookie = [...jar.values()].join("; ");
      }
      return response;
    },
  };
}

/** The newest message of `kind` to `email` in the stack's inbox, read as a developer would. */
async function inboxMessage(origin: string, email: string, kind: string): Promise<OutboxMessage> {
  const response = await fetch(`${origin}${OUTBOX_JSON_PATH}?to=${encodeURIComponent(email)}`);
  expect(response.status).toBe(200);
  const { messages } = (await response.json()) as { messages: OutboxMessage[] };
  const message = messages.find((candidate) => candidate.kind === kind);
  if (!message) throw new Error(`no ${kind} mail in the local inbox`);
  return message;
}

/** The token of the verification link in the newest verification mail to `email`. */
async function verificationToken(origin: string, email: string): Promise<string> {
  const { text } = await inboxMessage(origin, email, "verify-email");
  const link = new URL(/https?:\/\/\S+/.exec(text)?.[0] ?? "");
  expect(`${link.origin}${link.pathname}`).toBe(`${origin}/verify-email`);
  return link.searchParams.get("token") ?? "";
}

async function signUp(origin: string, name: string) {
  const browser = client(origin);
  const email = `${name}-${randomBytes(4).toString("hex")}@example.com`;
  const response = await browser.call("POST", "/api/auth/sign-up/email", {
    body: { email, password: PASSWORD, name },
  });
  expect(response.status).toBe(200);
  expect(browser.cookie).toBe("");
  // What the site's /verify-email page does with the mailed link.
  const link = await verificationToken(origin, email);
  const verified = await browser.call("GET", `/api/auth/verify-email?token=${link}`);
  expect(verified.status).toBe(200);
  expect(browser.cookie).toContain("better-auth.session_token=");
  const tokenResponse = await browser.call("GET", "/api/auth/token");
  expect(tokenResponse.status).toBe(200);
  const { token } = (await tokenResponse.json()) as { token: string };
  return { browser, email, token, userId: decodeJwt(token).sub as string };
}

function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

async function siteFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "local-stack-site-"));
  await writeFile(join(dir, "index.html"), "<!doctype html><title>home</title>");
  await writeFile(join(dir, "404.html"), "<!doctype html><title>missing</title>");
  return dir;
}

describe.each(ENGINES)("local stack end to end on %s", { timeout: 120_000 }, (engine: Engine) => {
  let stack: LocalStack;
  let testDatabase: TestDatabase | undefined;
  let databaseUrl: string;
  let siteDir: string;
  let dataDir: string;

  beforeAll(async () => {
    siteDir = await siteFixture();
    dataDir = await mkdtemp(join(tmpdir(), "local-stack-outbox-"));
    if (engine === "postgres") {
      testDatabase = await createTestDatabase("postgres", { migrate: false });
      databaseUrl = testDatabase.url;
    } else {
      databaseUrl = `memory:local-stack-${randomBytes(4).toString("hex")}`;
    }
    stack = await startLocalStack({
      port: 0,
      databaseUrl,
      secret: randomBytes(32).toString("base64url"),
      siteDir,
      dataDir,
      quiet: true,
      // The benchmark's floor: a local-only route on the same gateway, in a pool of its own.
      extraRoutes: ({ databaseUrl: functionsUrl }) => ({
        routes: [{ key: "GET /api/bench/select-1", function: "bench", auth: "none" }],
        functions: { bench: floorFunction(functionsUrl) },
      }),
    });
  });

  afterAll(async () => {
    await stack?.close();
    await testDatabase?.dispose();
    await rm(siteDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it("mails the verification link to the local inbox, where the page and the JSON list it", async () => {
    const { email } = await signUp(stack.url, "inbox");
    const json = await fetch(`${stack.url}${OUTBOX_JSON_PATH}`);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    // Served beside the gateway, not through it: no API Gateway request id.
    expect(json.headers.get("apigw-requestid")).toBeNull();
    const { messages } = (await json.json()) as { messages: OutboxMessage[] };
    const [newest] = messages;
    expect(Object.keys(newest ?? {}).sort()).toEqual(
      ["html", "id", "kind", "sentAt", "subject", "text", "to"].sort(),
    );
    expect(newest?.to).toBe(email);
    expect(newest?.subject).toContain("Tasks");
    expect(await readdir(join(dataDir, "mail"))).toContain(`${newest?.id}.eml`);
    const page = await fetch(`${stack.url}${OUTBOX_PAGE_PATH}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain(email);
  });

  it("keeps the inbox out of the route table: /api/_dev/mail.json is an API 404", async () => {
    expect(ROUTES.map((route) => route.key).join("\n")).not.toContain("_dev");
    const underApi = await fetch(`${stack.url}/api${OUTBOX_JSON_PATH}`);
    expect(underApi.status).toBe(404);
  });

  it("walks resend, reset and the verification landing over HTTP", async () => {
    const browser = client(stack.url);
    const email = `walker-${randomBytes(4).toString("hex")}@example.com`;
    await browser.call("POST", "/api/auth/sign-up/email", {
      body: { email, password: PASSWORD, name: "Walker" },
    });
    const refused = await browser.call("POST", "/api/auth/sign-in/email", {
      body: { email, password: PASSWORD },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe("EMAIL_NOT_VERIFIED");
    const first = await verificationToken(stack.url, email);
    const mailsTo = async () => {
      const inbox = await fetch(`${stack.url}${OUTBOX_JSON_PATH}?to=${encodeURIComponent(email)}`);
      return ((await inbox.json()) as { messages: unknown[] }).messages.length;
    };
    expect(await mailsTo()).toBe(1);
    const resent = await browser.call("POST", "/api/auth/send-verification-email", {
      body: { email },
    });
    expect(resent.status).toBe(200);
    expect(await mailsTo()).toBe(2);
    // Tokens carry a second-resolution `iat`: a resend within the same second repeats the link.
    const second = await verificationToken(stack.url, email);
    expect((await browser.call("GET", `/api/auth/verify-email?token=${second}`)).status).toBe(200);
    // The earlier link of the same address is spent too.
    expect((await browser.call("GET", `/api/auth/verify-email?token=${first}`)).status).toBe(401);

    await browser.call("POST", "/api/auth/request-password-reset", { body: { email } });
    const reset = new URL(
      /https?:\/\/\S+/.exec((await inboxMessage(stack.url, email, "reset-password")).text)?.[0] ??
        "",
    );
    expect(`${reset.origin}${reset.pathname}`).toBe(`${stack.url}/reset-password`);
    const done = await browser.call("POST", "/api/auth/reset-password", {
      body: { token: reset.searchParams.get("token"), newPassword: "violet lantern orbit 42" },
    });
    expect(done.status).toBe(200);
    expect((await browser.call("GET", "/api/auth/get-session")).status).toBe(200);
    expect(await (await browser.call("GET", "/api/auth/get-session")).json()).toBeNull();
  });

  it("starts on an ephemeral port, applies the migrations and names its database", async () => {
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.url).not.toMatch(/:0$/);
    expect(stack.migrationsApplied).toBeGreaterThan(0);
    expect(stack.databaseLabel).toMatch(engine === "postgres" ? /^Postgres/ : /^PGlite/);
    expect(stack.databaseLabel).not.toMatch(/password|@/);
    const health = await fetch(`${stack.url}/api/health`);
    expect(health.status).toBe(200);
  });

  it("runs each function in instances of its own: one warm, a second when requests overlap", async () => {
    const before = stack.functions();
    expect(Object.keys(before).sort()).toEqual(["api", "auth", "authorizer", "bench"]);
    for (const pool of Object.values(before)) expect(pool.coldStarts).toBeGreaterThanOrEqual(1);
    // Sixteen at once: the warm api instance takes one at a time, so the pool starts a second
    // (the default limit) and the rest wait for whichever comes free.
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => fetch(`${stack.url}/api/health`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(200));
    expect(stack.functions().api).toEqual({ instances: 2, coldStarts: 2, queued: 0 });
    // The functions reach the database through a postgres:// URL, embedded engine or not.
    expect(stack.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
  });

  it("mounts a local-only route on the same gateway next to the real table", async () => {
    const floor = await fetch(`${stack.url}/api/bench/select-1`);
    expect(floor.status).toBe(200);
    expect(floor.headers.get("apigw-requestid")).toBeTruthy();
    expect((await fetch(`${stack.url}/api/bench/select-1`, { method: "POST" })).status).toBe(404);
  });

  it("serves the site and the API on one origin, each with its own 404", async () => {
    const home = await fetch(`${stack.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await home.text()).toContain("<title>home</title>");

    const missingPage = await fetch(`${stack.url}/no/such/page`);
    expect(missingPage.status).toBe(404);
    expect(await missingPage.text()).toContain("<title>missing</title>");

    const missingApi = await fetch(`${stack.url}/api/no/such/route`);
    expect(missingApi.status).toBe(404);
    expect(await missingApi.json()).toEqual({ message: "Not Found" });
  });

  it("walks sign-up, tokens, CRUD, isolation and account deletion over HTTP", async () => {
    const alice = await signUp(stack.url, "alice");
    const bob = await signUp(stack.url, "bob");
    expect(alice.userId).not.toBe(bob.userId);

    // The gateway decides authentication before the API runs, as on AWS.
    const anonymous = await fetch(`${stack.url}/api/tasks`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: "Unauthorized" });
    const forged = await fetch(`${stack.url}/api/tasks`, {
      headers: { authorization: "Bearer not.a.jwt" },
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ message: "Forbidden" });

    // Create, read, update, list, delete.
    const created = await alice.browser.call("POST", "/api/tasks", {
      token: alice.token,
      body: { title: "  Write the local gateway  ", description: "through the real entries" },
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as Task;
    expect(task).toMatchObject({ title: "Write the local gateway", completed: false });
    expect(created.headers.get("location")).toContain(task.id);
    expect(created.headers.get("server-timing")).toMatch(/verify;dur=[\d.]+/);

    const second = (await (
      await alice.browser.call("POST", "/api/tasks", {
        token: alice.token,
        body: { title: "Second" },
      })
    ).json()) as Task;

    const fetched = await alice.browser.call("GET", `/api/tasks/${task.id}`, {
      token: alice.token,
    });
    expect(await fetched.json()).toEqual(task);

    const patched = await alice.browser.call("PATCH", `/api/tasks/${task.id}`, {
      token: alice.token,
      body: { completed: true },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: task.id, completed: true });

    const listed = await alice.browser.call("GET", "/api/tasks?completed=true", {
      token: alice.token,
    });
    expect(((await listed.json()) as { items: Task[] }).items.map((t) => t.id)).toEqual([task.id]);

    const removed = await alice.browser.call("DELETE", `/api/tasks/${second.id}`, {
      token: alice.token,
    });
    expect(removed.status).toBe(204);
    expect(
      (await alice.browser.call("GET", `/api/tasks/${second.id}`, { token: alice.token })).status,
    ).toBe(404);

    // Bob can neither see nor touch Alice's task, and it is unchanged afterwards.
    const bobsTask = (await (
      await bob.browser.call("POST", "/api/tasks", { token: bob.token, body: { title: "Bob's" } })
    ).json()) as Task;
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { title: "taken over" }],
      ["DELETE", undefined],
    ] as const) {
      const attempt = await bob.browser.call(method, `/api/tasks/${task.id}`, {
        token: bob.token,
        body,
      });
      expect(attempt.status, method).toBe(404);
    }
    const bobsList = (await (
      await bob.browser.call("GET", "/api/tasks", { token: bob.token })
    ).json()) as { items: Task[] };
    expect(bobsList.items.map((t) => t.id)).toEqual([bobsTask.id]);
    const smuggled = await bob.browser.call("POST", "/api/tasks", {
      token: bob.token,
      body: { title: "mine now", userId: alice.userId },
    });
    expect(smuggled.status).toBe(400);
    const stillAlices = await alice.browser.call("GET", `/api/tasks/${task.id}`, {
      token: alice.token,
    });
    expect(await stillAlices.json()).toMatchObject({
      title: "Write the local gateway",
      completed: true,
    });

    // Deleting Alice's account (password re-checked) removes her tasks; Bob's stay.
    const refused = await alice.browser.call("POST", "/api/auth/delete-user", {
      body: { password: "not her password" },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const deleted = await alice.browser.call("POST", "/api/auth/delete-user", {
      body: { password: PASSWORD },
    });
    expect(deleted.status).toBe(200);

    // Her access token still verifies (stateless), but its session went with the account.
    const afterDeletion = await alice.browser.call("GET", "/api/tasks", { token: alice.token });
    expect(afterDeletion.status).toBe(401);
    expect(await afterDeletion.json()).toEqual({
      error: { code: "SESSION_ENDED", message: "Your session has ended; sign in again" },
    });
    const signIn = await client(stack.url).call("POST", "/api/auth/sign-in/email", {
      body: { email: alice.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(401);

    const database = await openDatabase({ url: stack.databaseUrl, maxConnections: 1 });
    try {
      const counts = rowsOf<{ user_id: string; count: string | number }>(
        await database.db.execute(
          sql`select user_id, count(*) as count from task where user_id in (${alice.userId}, ${bob.userId}) group by user_id`,
        ),
      );
      expect(counts.map((row) => [row.user_id, Number(row.count)])).toEqual([[bob.userId, 1]]);
    } finally {
      await database.close();
    }
  });
});

describe("local stack as CloudFront: the client address", { timeout: 120_000 }, () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      databaseUrl: `memory:edge-stack-${randomBytes(4).toString("hex")}`,
      secret: randomBytes(32).toString("base64url"),
      serveSite: false,
      quiet: true,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Everything a client could send to pick its rate-limit bucket, different on every call. */
  const forgedAddressHeaders = () => {
    const octet = () => 1 + ((randomBytes(1)[0] ?? 0) % 254);
    return {
      [VIEWER_ADDRESS_HEADER]: `192.0.2.${octet()}`,
      [ORIGIN_VERIFY_HEADER]: randomBytes(32).toString("base64url"),
      "cloudfront-viewer-address": `2001:db8:${octet()}::1:443`,
      "x-forwarded-for": `198.51.100.${octet()}`,
      "x-real-ip": `198.51.100.${octet()}`,
    };
  };

  it("a forged address on every request never opens a new bucket: the limit still triggers", async () => {
    const max = STRICT_RATE_LIMITS["/sign-in/email"]?.max ?? 0;
    expect(max).toBeGreaterThan(1);
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= max; attempt++) {
      const response = await fetch(`${stack.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: {
          origin: stack.url,
          "content-type": "application/json",
          ...forgedAddressHeaders(),
        },
        // A new account each time: only the per-address budget is under test.
        body: JSON.stringify({ email: `nobody-${attempt}@example.com`, password: PASSWORD }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, max)).toEqual(Array(max).fill(401));
    expect(statuses[max]).toBe(429);
  });

  it("records the connection's own address for a session, whatever the client claims", async () => {
    const forged = forgedAddressHeaders();
    const signedUp = await fetch(`${stack.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { origin: stack.url, "content-type": "application/json", ...forged },
      body: JSON.stringify({
        email: `edge-${randomBytes(4).toString("hex")}@example.com`,
        password: PASSWORD,
        name: "Edge",
      }),
    });
    expect(signedUp.status).toBe(200);
    const email = ((await signedUp.json()) as { user: { email: string } }).user.email;
    const verified = await fetch(
      `${stack.url}/api/auth/verify-email?token=${await verificationToken(stack.url, email)}`,
      { headers: { origin: stack.url, ...forged } },
    );
    const cookie = verified.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    const listed = await fetch(`${stack.url}/api/auth/list-sessions`, {
      headers: { origin: stack.url, cookie, ...forged },
    });
    expect(listed.status).toBe(200);
    const sessions = (await listed.json()) as { ipAddress: string }[];
    // The viewer's address from the edge, not the gateway's sourceIp (the edge's, as on AWS).
    expect(sessions.map((session) => session.ipAddress)).toEqual(["127.0.0.1"]);
  });
});

describe("several local stacks in one process", { timeout: 120_000 }, () => {
  let stacks: LocalStack[] = [];
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "local-stacks-"));
    // Started at once: each builds its functions from its own config, nothing is shared.
    stacks = await Promise.all(
      ["first", "second"].map((name) =>
        startLocalStack({
          port: 0,
          databaseUrl: `memory:${name}-stack-${randomBytes(4).toString("hex")}`,
          dataDir: join(dataDir, name),
          secret: randomBytes(32).toString("base64url"),
          serveSite: false,
          quiet: true,
        }),
      ),
    );
  });
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keep their own origin, keys and users", async () => {
    const [first, second] = stacks as [LocalStack, LocalStack];
    const user = await signUp(first.url, "dana");
    const own = await fetch(`${first.url}/api/tasks`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(own.status).toBe(200);
    expect(decodeJwt(user.token).iss).toBe(first.url);
    // The other stack's authorizer has other keys and another issuer.
    const foreign = await fetch(`${second.url}/api/tasks`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(foreign.status).toBe(403);
    const signIn = await client(second.url).call("POST", "/api/auth/sign-in/email", {
      body: { email: user.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(401);
  });
});

describe("local stack data directory", { timeout: 120_000 }, () => {
  const tempDir = useTempDir("local-stack-data-");

  it("persists data and a private generated secret across restarts, one stack at a time", async () => {
    const first = await startLocalStack({
      port: 0,
      dataDir: tempDir.path,
      serveSite: false,
      quiet: true,
    });
    let closed = false;
    try {
      expect(first.databaseLabel).toContain(join(tempDir.path, "pglite"));
      await expect(
        startLocalStack({ port: 0, dataDir: tempDir.path, serveSite: false, quiet: true }),
      ).rejects.toThrow(/in use by another local stack/);
      const user = await signUp(first.url, "carol");
      await first.close();
      closed = true;

      const secretFile = join(tempDir.path, "better-auth-secret");
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      expect(await readdir(tempDir.path)).not.toContain("stack.lock");

      const second = await startLocalStack({
        port: 0,
        dataDir: tempDir.path,
        serveSite: false,
        quiet: true,
      });
      try {
        expect(second.migrationsApplied).toBe(0);
        const browser = client(second.url);
        const signIn = await browser.call("POST", "/api/auth/sign-in/email", {
          body: { email: user.email, password: PASSWORD },
        });
        expect(signIn.status).toBe(200);
        // The stored signing key is still readable: the same secret came back from the file.
        const token = await browser.call("GET", "/api/auth/token");
        expect(token.status).toBe(200);
        const { token: accessToken } = (await token.json()) as { token: string };
        const tasks = await fetch(`${second.url}/api/tasks`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        expect(tasks.status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      if (!closed) await first.close();
    }
  });
});
