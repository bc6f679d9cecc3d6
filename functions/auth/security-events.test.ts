import { randomBytes, randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type AuthCall,
  cookieHeader,
  createTestAuth,
  sessionIdOf,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { ENGINES } from "../../infra/testing/database";
import { useTestDatabase } from "../../infra/testing/database-suite";
import { captureLogs, emittedMetrics, logRecords } from "../../infra/testing/logs";
import { mailTokenOf, newestMailTo } from "../../infra/testing/mail";
import { ACCOUNT_LOCKOUT_POLICY, accountKey } from "./account-lockout";
import { clientNetwork } from "./security-events";

const NEW_PASSWORD = "violet lantern orbit 42";
const WRONG_PASSWORD = "a wrong guess of the password";
/** Every call of this suite comes from one network (an address of its own each, for the limits). */
const NETWORK = "198.51.100.0/24";
const clientAddress = () => `198.51.100.${randomInt(1, 255)}`;

type Event = Record<string, unknown> & { event: string };

describe("the client network in the trail", () => {
  it.each([
    ["198.51.100.23", "198.51.100.0/24"],
    ["::ffff:203.0.113.9", "203.0.113.0/24"],
    ["2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"],
    ["2001:0DB8::1", "2001:db8:0::/48"],
    ["::1", "0:0:0::/48"],
    ["fe80::", "fe80:0:0::/48"],
  ])("cuts %s to %s", (address, network) => {
    expect(clientNetwork(address)).toBe(network);
  });

  it.each([undefined, null, "", "not an address", "10.0.0.300"])(
    "names no network for %s",
    (address) => {
      expect(clientNetwork(address)).toBeUndefined();
    },
  );
});

describe.each(ENGINES)("security events through the auth Lambda on %s", (engine) => {
  const database = useTestDatabase(engine);
  const secret = randomBytes(32).toString("base64url");
  const testAuth = createTestAuth(database, { secret });
  const rawCall = testAuth.caller();
  const call: AuthCall = (method, path, options = {}) =>
    rawCall(method, path, { sourceIp: clientAddress(), ...options });
  /** What the suite must never write, whatever the event: filled as users are made. */
  const secrets = new Set<string>([TEST_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD]);

  /** The security events and EMF lines `run` writes, checked for secrets. */
  async function observe(run: () => Promise<unknown>) {
    const { lines } = await captureLogs(run);
    const everything = lines.join("\n");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    const events = logRecords(lines).filter(
      (record): record is Event => record.message === "security event",
    );
    for (const event of events) {
      expect(event).toMatchObject({ level: "INFO", service: "auth", client: NETWORK });
      expect(event.correlation_id).toEqual(expect.any(String));
    }
    const metrics = emittedMetrics(lines).filter((line) => !("ApiResponses" in line.metrics));
    return { events, metrics };
  }

  async function newUser(label: string) {
    const owner = await signUp(call, uniqueEmail(label));
    secrets.add(owner.email);
    for (const cookie of owner.cookie.split("; ")) secrets.add(cookie.split("=")[1] ?? cookie);
    return owner;
  }

  const signIn = (email: string, password: string) =>
    call("POST", "/sign-in/email", { body: { email, password } });

  it("counts a sign-up", async () => {
    const { metrics } = await observe(() => newUser("signs-up"));
    expect(metrics).toContainEqual(
      expect.objectContaining({ metrics: { SignUps: { value: 1, unit: "Count" } } }),
    );
  });

  it("writes a failed sign-in with the account's keyed hash, never the address; counts it by outcome", async () => {
    const owner = await newUser("fails");
    const { events, metrics } = await observe(() => signIn(owner.email, WRONG_PASSWORD));
    expect(events).toEqual([
      expect.objectContaining({
        event: "sign_in_failed",
        reason: "INVALID_EMAIL_OR_PASSWORD",
        account: accountKey(secret, owner.email),
      }),
    ]);
    expect(metrics).toEqual([
      expect.objectContaining({
        dimensionSets: [["service"], ["service", "outcome"]],
        dimensions: { service: "auth", outcome: "invalid_credentials" },
        metrics: { SignIns: { value: 1, unit: "Count" } },
      }),
    ]);
    const success = await observe(() => signIn(owner.email, TEST_PASSWORD));
    expect(success.metrics.map((line) => line.dimensions.outcome)).toContain("success");
    // A successful sign-in is no security event; only the revocations below are.
    expect(success.events).toEqual([]);
  });

  it("counts a sign-in of an unverified address, and a malformed one, under their own outcomes", async () => {
    const email = uniqueEmail("unverified");
    secrets.add(email);
    const signedUp = await call("POST", "/sign-up/email", {
      body: { email, password: TEST_PASSWORD, name: "Unverified" },
    });
    expect(signedUp.status).toBe(200);
    const { events, metrics } = await observe(async () => {
      expect((await signIn(email, TEST_PASSWORD)).status).toBe(403);
      expect(
        (await call("POST", "/sign-in/email", { body: { password: WRONG_PASSWORD } })).status,
      ).toBe(400);
    });
    expect(metrics.map((line) => line.dimensions.outcome)).toEqual([
      "email_not_verified",
      "refused",
    ]);
    expect(events.map(({ event, reason, account }) => ({ event, reason, account }))).toEqual([
      { event: "sign_in_failed", reason: "EMAIL_NOT_VERIFIED", account: accountKey(secret, email) },
      { event: "sign_in_failed", reason: expect.any(String), account: undefined },
    ]);
  });

  it("writes the lockout once, then each refusal of the locked account", async () => {
    const owner = await newUser("locked");
    const { events, metrics } = await observe(async () => {
      for (let failure = 0; failure < ACCOUNT_LOCKOUT_POLICY.maxFailures; failure += 1) {
        expect((await signIn(owner.email, WRONG_PASSWORD)).status).toBe(401);
      }
      expect((await signIn(owner.email, TEST_PASSWORD)).status).toBe(429);
    });
    const account = accountKey(secret, owner.email);
    expect(events.filter((event) => event.event === "account_locked")).toEqual([
      expect.objectContaining({ account, lockedForSeconds: ACCOUNT_LOCKOUT_POLICY.lockSeconds }),
    ]);
    expect(events.filter((event) => event.event === "sign_in_failed")).toHaveLength(
      ACCOUNT_LOCKOUT_POLICY.maxFailures + 1,
    );
    expect(events.at(-1)).toMatchObject({ reason: "ACCOUNT_TEMPORARILY_LOCKED", account });
    expect(metrics.filter((line) => "Lockouts" in line.metrics)).toHaveLength(1);
    expect(metrics.at(-1)?.dimensions).toEqual({ service: "auth", outcome: "locked" });
  });

  it("writes a reset request and its completion, which revokes every session", async () => {
    const owner = await newUser("resets");
    const sessionId = await sessionIdOf(call, owner.cookie);
    const requested = await observe(async () => {
      // A malformed request asks for nothing: no event.
      expect((await call("POST", "/request-password-reset", { body: {} })).status).toBe(400);
      await call("POST", "/request-password-reset", { body: { email: owner.email } });
    });
    expect(requested.events).toEqual([
      expect.objectContaining({
        event: "password_reset_requested",
        account: accountKey(secret, owner.email),
      }),
    ]);
    expect(requested.metrics.map((line) => Object.keys(line.metrics))).toEqual([
      ["PasswordResetRequests"],
    ]);
    const token = mailTokenOf(await newestMailTo(owner.email, "reset-password"));
    secrets.add(token);
    const completed = await observe(async () => {
      const reset = await call("POST", "/reset-password", {
        body: { token, newPassword: NEW_PASSWORD },
      });
      expect(reset.status).toBe(200);
    });
    expect(completed.events).toHaveLength(2);
    expect(completed.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: "password_reset_completed", userId: owner.id }),
        expect.objectContaining({
          event: "session_revoked",
          userId: owner.id,
          sessionId,
          via: "/reset-password",
        }),
      ]),
    );
    expect(completed.metrics.map((line) => Object.keys(line.metrics))).toContainEqual([
      "PasswordResets",
    ]);
  });

  it("writes an e-mail change when the new address is confirmed, not when it is asked for", async () => {
    const owner = await newUser("moves");
    const newEmail = uniqueEmail("moved");
    secrets.add(newEmail);
    const asked = await observe(() =>
      call("POST", "/change-email", { cookie: owner.cookie, body: { newEmail } }),
    );
    expect(asked.events).toEqual([]);
    const token = mailTokenOf(await newestMailTo(newEmail, "change-email-verify"));
    secrets.add(token);
    const confirmed = await observe(() =>
      call("GET", `/verify-email?token=${token}`, { cookie: owner.cookie }),
    );
    expect(confirmed.events).toEqual([
      expect.objectContaining({ event: "email_changed", userId: owner.id, via: "/verify-email" }),
    ]);
  });

  it("writes one revocation per session, naming the endpoint that ended it", async () => {
    const owner = await newUser("devices");
    let password = TEST_PASSWORD;
    const device = async () => {
      const cookie = cookieHeader(await signIn(owner.email, password));
      for (const pair of cookie.split("; ")) secrets.add(pair.split("=")[1] ?? pair);
      return { cookie, id: await sessionIdOf(call, cookie) };
    };
    const revoked = async (run: () => Promise<Response>) => {
      const { events } = await observe(async () => expect((await run()).status).toBe(200));
      return events.map(({ event, userId, sessionId, via }) => ({ event, userId, sessionId, via }));
    };
    const ended = (id: string, via: string) => ({
      event: "session_revoked",
      userId: owner.id,
      sessionId: id,
      via,
    });
    const ownerSession = await sessionIdOf(call, owner.cookie);

    const signedOut = await device();
    expect(await revoked(() => call("POST", "/sign-out", { cookie: signedOut.cookie }))).toEqual([
      ended(signedOut.id, "/sign-out"),
    ]);

    const one = await device();
    const answer = await call("GET", "/get-session", { cookie: one.cookie });
    const { token } = ((await answer.json()) as { session: { token: string } }).session;
    secrets.add(token);
    expect(
      await revoked(() =>
        call("POST", "/revoke-session", { cookie: owner.cookie, body: { token } }),
      ),
    ).toEqual([ended(one.id, "/revoke-session")]);

    const other = await device();
    expect(
      await revoked(() => call("POST", "/revoke-other-sessions", { cookie: owner.cookie })),
    ).toEqual([ended(other.id, "/revoke-other-sessions")]);

    const changing = await device();
    const changed = await revoked(() =>
      call("POST", "/change-password", {
        cookie: changing.cookie,
        body: { currentPassword: password, newPassword: NEW_PASSWORD, revokeOtherSessions: true },
      }),
    );
    password = NEW_PASSWORD;
    expect(changed).toEqual(
      expect.arrayContaining([
        ended(ownerSession, "/change-password"),
        ended(changing.id, "/change-password"),
      ]),
    );

    const last = await device();
    const all = await revoked(() => call("POST", "/revoke-sessions", { cookie: last.cookie }));
    expect(all).toContainEqual(ended(last.id, "/revoke-sessions"));
    expect(all.every((event) => event.via === "/revoke-sessions")).toBe(true);
  });

  it("writes an account deletion with the user id, and the sessions it ended", async () => {
    const owner = await newUser("leaves");
    const sessionId = await sessionIdOf(call, owner.cookie);
    const { events } = await observe(async () => {
      const deleted = await call("POST", "/delete-user", {
        cookie: owner.cookie,
        body: { password: TEST_PASSWORD },
      });
      expect(deleted.status).toBe(200);
    });
    expect(events).toContainEqual(
      expect.objectContaining({ event: "account_deleted", userId: owner.id, via: "/delete-user" }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ event: "session_revoked", sessionId, via: "/delete-user" }),
    );
  });
});
