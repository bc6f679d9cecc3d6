import { randomBytes } from "node:crypto";
import { eq, like } from "drizzle-orm";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  type AuthCall,
  cookieHeader,
  createTestAuth,
  signUp,
  TEST_ORIGIN,
  TEST_PASSWORD,
  uniqueEmail,
} from "../../infra/testing/auth";
import { ENGINES } from "../../infra/testing/database";
import { useTestDatabase } from "../../infra/testing/database-suite";
import { captureLogs } from "../../infra/testing/logs";
import { mailLinkOf, mailTo, mailTokenOf, newestMailTo } from "../../infra/testing/mail";
import { session, user, verification } from "../db/schema";
import { createSesMailSender } from "../mail/ses-mail-sender";
import {
  EMAIL_VERIFICATION_TTL_SECONDS,
  PASSWORD_RESET_TTL_SECONDS,
  STRICT_RATE_LIMITS,
} from "./create-auth";
import { RESPONSE_FLOOR_MS } from "./response-floor";

/** Another strong password, for resets and changes. */
const NEW_PASSWORD = "violet lantern orbit 42";

interface SessionAnswer {
  session: { id: string; token: string };
  user: { id: string; email: string; emailVerified: boolean };
}

async function currentSession(call: AuthCall, cookie: string): Promise<SessionAnswer | null> {
  const response = await call("GET", "/get-session", { cookie });
  expect(response.status).toBe(200);
  return (await response.json()) as SessionAnswer | null;
}

async function signIn(call: AuthCall, email: string, password: string, sourceIp?: string) {
  return call("POST", "/sign-in/email", { body: { email, password }, sourceIp });
}

/** What a client can compare between two answers: status, the body without ids and times. */
async function observable(response: Response) {
  const body = (await response.json()) as Record<string, unknown>;
  const shape = (value: unknown): unknown =>
    value && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]))
      : typeof value;
  return { status: response.status, cookies: response.headers.getSetCookie(), shape: shape(body) };
}

describe.each(ENGINES)("account lifecycle through the Lambda on %s", (engine) => {
  const database = useTestDatabase(engine);
  // One secret for the suite's instances: they share the database and its encrypted signing keys.
  const secret = randomBytes(32).toString("base64url");
  const testAuth = createTestAuth(database, { secret });
  const call = testAuth.caller();

  async function userRow(email: string) {
    const [row] = await database.db.select().from(user).where(eq(user.email, email));
    return row;
  }

  /** A verification token as Better Auth signs it, with the instance's secret. */
  function forgeVerificationToken(claims: Record<string, unknown>, expiresAt: number) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(expiresAt - EMAIL_VERIFICATION_TTL_SECONDS)
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(testAuth.settings.secret));
  }

  describe("verified e-mail", () => {
    it("signs up without a session, mails a one-day link to the site page, and signs in through it once", async () => {
      const email = uniqueEmail("verify");
      const response = await call("POST", "/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Vera" },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { token: unknown }).token).toBeNull();
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await userRow(email))?.emailVerified).toBe(false);

      const refused = await signIn(call, email, TEST_PASSWORD);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe("EMAIL_NOT_VERIFIED");
      expect(refused.headers.getSetCookie()).toEqual([]);

      const mail = await newestMailTo(email, "verify-email");
      const link = mailLinkOf(mail);
      expect(`${link.origin}${link.pathname}`).toBe(`${TEST_ORIGIN}/verify-email`);
      expect([...link.searchParams.keys()]).toEqual(["token"]);
      expect(mail.text).toContain("24 hours");
      expect(mail.html).toContain(link.href.replace(/&/g, "&amp;"));
      const token = mailTokenOf(mail);
      const claims = decodeJwt(token);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(EMAIL_VERIFICATION_TTL_SECONDS);

      const verified = await call("GET", `/verify-email?token=${token}`);
      expect(verified.status).toBe(200);
      const cookie = cookieHeader(verified);
      expect((await currentSession(call, cookie))?.user).toMatchObject({
        email,
        emailVerified: true,
      });
      expect((await signIn(call, email, TEST_PASSWORD)).status).toBe(200);

      const again = await call("GET", `/verify-email?token=${token}`);
      expect(again.status).toBe(401);
      expect(((await again.json()) as { code: string }).code).toBe("INVALID_TOKEN");
      expect(again.headers.getSetCookie()).toEqual([]);
    });

    it("refuses an expired link (signed with the real secret) and leaves the address unverified", async () => {
      const email = uniqueEmail("expired");
      await call("POST", "/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Old" },
      });
      const row = await userRow(email);
      const expired = await forgeVerificationToken(
        { email, userId: row?.id },
        Math.floor(Date.now() / 1000) - 60,
      );
      const response = await call("GET", `/verify-email?token=${expired}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { code: string }).code).toBe("TOKEN_EXPIRED");
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await userRow(email))?.emailVerified).toBe(false);

      const forged = await new SignJWT({ email, userId: row?.id })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode("another secret, at least 32 characters"));
      const refused = await call("GET", `/verify-email?token=${forged}`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe("INVALID_TOKEN");
    });

    it("answers a sign-up with a taken address exactly like a new one, and tells only the owner", async () => {
      const owner = await signUp(call, uniqueEmail("taken"));
      const fresh = await call("POST", "/sign-up/email", {
        body: { email: uniqueEmail("fresh"), password: TEST_PASSWORD, name: "Someone" },
      });
      const duplicate = await call("POST", "/sign-up/email", {
        body: { email: owner.email.toUpperCase(), password: NEW_PASSWORD, name: "Someone" },
      });
      expect(await observable(duplicate)).toEqual(await observable(fresh));

      expect(await mailTo(owner.email, "verify-email")).toHaveLength(1);
      const notice = await newestMailTo(owner.email, "sign-up-existing-account");
      expect(mailLinkOf(notice).href).toBe(`${TEST_ORIGIN}/forgot-password`);
      expect(notice.text).not.toContain("token=");
      // The owner's password is untouched.
      expect((await signIn(call, owner.email, TEST_PASSWORD)).status).toBe(200);
      expect((await signIn(call, owner.email, NEW_PASSWORD)).status).toBe(401);
    });

    it("answers a resend the same for an unknown, a verified and an unverified address, and mails only the last", async () => {
      const verified = await signUp(call, uniqueEmail("resend-done"));
      const pending = uniqueEmail("resend-pending");
      await call("POST", "/sign-up/email", {
        body: { email: pending, password: TEST_PASSWORD, name: "Pending" },
      });
      const answers = [];
      for (const email of [uniqueEmail("resend-nobody"), verified.email, pending]) {
        const started = performance.now();
        const response = await call("POST", "/send-verification-email", { body: { email } });
        answers.push({ ...(await observable(response)), slow: performance.now() - started >= 900 });
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(answers[0]).toMatchObject({ status: 200, slow: true });
      expect(await mailTo(verified.email, "verify-email")).toHaveLength(1);
      expect(await mailTo(pending, "verify-email")).toHaveLength(2);
    });

    it("allows three resends a minute from one address", async () => {
      expect(STRICT_RATE_LIMITS["/send-verification-email"]).toEqual({ window: 60, max: 3 });
      const sourceIp = "198.18.7.1";
      const statuses = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await call("POST", "/send-verification-email", {
          body: { email: uniqueEmail("flood") },
          sourceIp,
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });

  describe("recovery", () => {
    it("answers a reset request the same for known and unknown addresses, no sooner than the floor", async () => {
      const known = await signUp(call, uniqueEmail("reset-known"));
      const answers = [];
      for (const email of [known.email, uniqueEmail("reset-unknown")]) {
        const started = performance.now();
        const response = await call("POST", "/request-password-reset", { body: { email } });
        const elapsed = performance.now() - started;
        answers.push({
          ...(await observable(response)),
          floored: elapsed >= RESPONSE_FLOOR_MS - 5,
        });
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0]).toMatchObject({ status: 200, floored: true });
      const mail = await newestMailTo(known.email, "reset-password");
      const link = mailLinkOf(mail);
      expect(`${link.origin}${link.pathname}`).toBe(`${TEST_ORIGIN}/reset-password`);
      expect(mail.text).toContain("1 hour");
      const [stored] = await database.db
        .select()
        .from(verification)
        .where(eq(verification.identifier, `reset-password:${mailTokenOf(mail)}`));
      const lifetime = ((stored?.expiresAt.getTime() ?? 0) - Date.now()) / 1000;
      expect(PASSWORD_RESET_TTL_SECONDS).toBeLessThanOrEqual(3600);
      expect(lifetime).toBeGreaterThan(PASSWORD_RESET_TTL_SECONDS - 60);
      expect(lifetime).toBeLessThanOrEqual(PASSWORD_RESET_TTL_SECONDS);
    });

    it("resets once: every session ends, the sign-in lock goes and only the new password works", async () => {
      const owner = await signUp(call, uniqueEmail("reset"));
      const otherDevice = cookieHeader(await signIn(call, owner.email, TEST_PASSWORD));
      for (let failure = 0; failure < 10; failure += 1) {
        expect((await signIn(call, owner.email, "a wrong guess entirely")).status).toBe(401);
      }
      expect((await signIn(call, owner.email, TEST_PASSWORD)).status).toBe(429);

      await call("POST", "/request-password-reset", { body: { email: owner.email } });
      const token = mailTokenOf(await newestMailTo(owner.email, "reset-password"));
      const weak = await call("POST", "/reset-password", {
        body: { token, newPassword: owner.email },
      });
      expect(weak.status).toBe(400);
      expect(((await weak.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");

      const reset = await call("POST", "/reset-password", {
        body: { token, newPassword: NEW_PASSWORD },
      });
      expect(reset.status).toBe(200);
      expect(await currentSession(call, owner.cookie)).toBeNull();
      expect(await currentSession(call, otherDevice)).toBeNull();
      expect(await database.db.select().from(session).where(eq(session.userId, owner.id))).toEqual(
        [],
      );

      const reused = await call("POST", "/reset-password", {
        body: { token, newPassword: "another fine passphrase 7" },
      });
      expect(reused.status).toBe(400);
      expect(((await reused.json()) as { code: string }).code).toBe("INVALID_TOKEN");
      expect((await signIn(call, owner.email, TEST_PASSWORD)).status).toBe(401);
      expect((await signIn(call, owner.email, NEW_PASSWORD)).status).toBe(200);
    });

    it("lets the owner of an address someone else registered unverified in by a reset", async () => {
      const email = uniqueEmail("squatted");
      await call("POST", "/sign-up/email", {
        body: { email, password: "squatter's own passphrase", name: "Squatter" },
      });
      await call("POST", "/request-password-reset", { body: { email } });
      const token = mailTokenOf(await newestMailTo(email, "reset-password"));
      expect(
        (await call("POST", "/reset-password", { body: { token, newPassword: NEW_PASSWORD } }))
          .status,
      ).toBe(200);
      expect((await signIn(call, email, NEW_PASSWORD)).status).toBe(200);
      expect((await signIn(call, email, "squatter's own passphrase")).status).toBe(401);
    });
  });

  describe("account", () => {
    it("changes the password only with the current one, and signs out the other devices", async () => {
      const owner = await signUp(call, uniqueEmail("change"));
      const otherDevice = cookieHeader(await signIn(call, owner.email, TEST_PASSWORD));
      const change = (currentPassword: string, newPassword: string) =>
        call("POST", "/change-password", {
          cookie: owner.cookie,
          body: { currentPassword, newPassword, revokeOtherSessions: true },
        });

      const wrong = await change("not my password at all", NEW_PASSWORD);
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { code: string }).code).toBe("INVALID_PASSWORD");
      const weak = await change(TEST_PASSWORD, "qwertyuiop");
      expect(weak.status).toBe(400);
      expect(((await weak.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
      expect(await currentSession(call, otherDevice)).not.toBeNull();

      const changed = await change(TEST_PASSWORD, NEW_PASSWORD);
      expect(changed.status).toBe(200);
      expect(await currentSession(call, otherDevice)).toBeNull();
      expect(await currentSession(call, cookieHeader(changed))).toMatchObject({
        user: { email: owner.email },
      });
      expect((await signIn(call, owner.email, NEW_PASSWORD)).status).toBe(200);
      expect(
        (
          await call("POST", "/change-password", {
            body: { currentPassword: NEW_PASSWORD, newPassword: TEST_PASSWORD },
          })
        ).status,
      ).toBe(401);
    });

    it("changes the e-mail address only once the new one is confirmed, and tells the old one", async () => {
      const owner = await signUp(call, uniqueEmail("move-from"));
      const newEmail = uniqueEmail("move-to");
      const asked = await call("POST", "/change-email", {
        cookie: owner.cookie,
        body: { newEmail },
      });
      expect(asked.status).toBe(200);
      expect((await userRow(owner.email))?.id).toBe(owner.id);

      const notice = await newestMailTo(owner.email, "change-email-notice");
      expect(notice.text).toContain(newEmail);
      expect(mailLinkOf(notice).href).toBe(`${TEST_ORIGIN}/account`);
      const confirm = await newestMailTo(newEmail, "change-email-verify");
      const link = mailLinkOf(confirm);
      expect(`${link.origin}${link.pathname}`).toBe(`${TEST_ORIGIN}/verify-email`);

      const token = mailTokenOf(confirm);
      const verified = await call("GET", `/verify-email?token=${token}`, { cookie: owner.cookie });
      expect(verified.status).toBe(200);
      expect(await userRow(owner.email)).toBeUndefined();
      expect((await userRow(newEmail))?.id).toBe(owner.id);
      expect((await signIn(call, newEmail, TEST_PASSWORD)).status).toBe(200);

      const reused = await call("GET", `/verify-email?token=${token}`);
      expect(reused.status).toBe(401);
      expect((await userRow(newEmail))?.id).toBe(owner.id);
    });

    it("answers a change to a taken address like any other, and mails nobody", async () => {
      const owner = await signUp(call, uniqueEmail("move-taken"));
      const other = await signUp(call, uniqueEmail("already-here"));
      const asked = await call("POST", "/change-email", {
        cookie: owner.cookie,
        body: { newEmail: other.email },
      });
      expect(asked.status).toBe(200);
      expect(await mailTo(other.email, "change-email-verify")).toEqual([]);
      expect(await mailTo(owner.email, "change-email-notice")).toEqual([]);
    });

    it("lists the sessions, revokes one, and signs out every other device", async () => {
      const owner = await signUp(call, uniqueEmail("devices"));
      const second = cookieHeader(await signIn(call, owner.email, TEST_PASSWORD));
      const third = cookieHeader(await signIn(call, owner.email, TEST_PASSWORD));
      const listed = await call("GET", "/list-sessions", { cookie: owner.cookie });
      expect(listed.status).toBe(200);
      const sessions = (await listed.json()) as { token: string }[];
      expect(sessions).toHaveLength(3);

      const thirdToken = (await currentSession(call, third))?.session.token;
      const revoked = await call("POST", "/revoke-session", {
        cookie: owner.cookie,
        body: { token: thirdToken },
      });
      expect(revoked.status).toBe(200);
      expect(await currentSession(call, third)).toBeNull();
      expect(await currentSession(call, second)).not.toBeNull();

      const others = await call("POST", "/revoke-other-sessions", { cookie: owner.cookie });
      expect(others.status).toBe(200);
      expect(await currentSession(call, second)).toBeNull();
      expect(await currentSession(call, owner.cookie)).not.toBeNull();
      const remaining = await call("GET", "/list-sessions", { cookie: owner.cookie });
      expect((await remaining.json()) as unknown[]).toHaveLength(1);
    });
  });

  describe("password strength", () => {
    const name = "Margaret Hamilton";
    it.each([
      ["a dictionary word", () => "password"],
      ["a digit run", () => "12345678"],
      ["one repeated letter", () => "aaaaaaaa"],
      ["a keyboard row", () => "qwertyuiop"],
      ["the e-mail address", (email: string) => email],
      ["the name", () => "MargaretHamilton"],
    ])("refuses %s at sign-up with PASSWORD_TOO_WEAK and creates nothing", async (_, make) => {
      const email = uniqueEmail("margaret");
      const response = await call("POST", "/sign-up/email", {
        body: { email, password: make(email), name },
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("PASSWORD_TOO_WEAK");
      expect(body.message).toMatch(/^This password is too easy to guess/);
      expect(await userRow(email)).toBeUndefined();
      expect(await mailTo(email)).toEqual([]);
    });

    it("refuses a weak new password at reset by its owner's name, even with an unknown token", async () => {
      const email = uniqueEmail("margaret");
      await call("POST", "/sign-up/email", { body: { email, password: TEST_PASSWORD, name } });
      await call("POST", "/request-password-reset", { body: { email } });
      const token = mailTokenOf(await newestMailTo(email, "reset-password"));
      const byName = await call("POST", "/reset-password", {
        body: { token, newPassword: "hamilton.margaret" },
      });
      expect(((await byName.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
      const unknown = await call("POST", "/reset-password", {
        body: { token: "no-such-token", newPassword: "12345678" },
      });
      expect(((await unknown.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
      const stored = await database.db
        .select()
        .from(verification)
        .where(like(verification.identifier, `reset-password:${token}`));
      expect(stored).toHaveLength(1);
    });
  });

  describe("odd requests", () => {
    it("refuses a verification request without a token, or with a signed token naming no address", async () => {
      const missing = await call("GET", "/verify-email");
      expect(missing.status).toBe(400);
      const nameless = await forgeVerificationToken(
        { userId: "someone" },
        Math.floor(Date.now() / 1000) + 60,
      );
      const { value } = await captureLogs(() => call("GET", `/verify-email?token=${nameless}`));
      expect(value.status).toBeGreaterThanOrEqual(400);
      expect(value.headers.getSetCookie()).toEqual([]);
    });

    it("leaves a sign-up without a password to Better Auth's own 400", async () => {
      const response = await call("POST", "/sign-up/email", {
        body: { email: uniqueEmail("nopass"), name: "None" },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code?: string }).code).not.toBe("PASSWORD_TOO_WEAK");
    });

    it("checks a new password's strength even before the session or token is known", async () => {
      const signedOut = await call("POST", "/change-password", {
        body: { currentPassword: TEST_PASSWORD, newPassword: "password1" },
      });
      expect(((await signedOut.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
      const tokenless = await call("POST", "/reset-password", {
        body: { newPassword: "12345678" },
      });
      expect(tokenless.status).toBe(400);
      expect(((await tokenless.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
    });

    it("refuses the signed-in owner's own address as a new password", async () => {
      const owner = await signUp(call, uniqueEmail("ownaddress"));
      const response = await call("POST", "/change-password", {
        cookie: owner.cookie,
        body: { currentPassword: TEST_PASSWORD, newPassword: owner.email.toUpperCase() },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("PASSWORD_TOO_WEAK");
    });
  });

  describe("when mail cannot be sent", () => {
    // The real SES adapter and SDK, against a port where nothing listens.
    const unreachable = createTestAuth(database, {
      secret,
      mail: createSesMailSender({
        from: "no-reply@example.com",
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" },
        maxAttempts: 1,
      }),
    }).caller();

    it("answers sign-up, resend and reset as usual and logs the failure without the address", async () => {
      const email = uniqueEmail("no-mail");
      const { value, lines } = await captureLogs(async () => [
        await observable(
          await unreachable("POST", "/sign-up/email", {
            body: { email, password: TEST_PASSWORD, name: "Nomail" },
          }),
        ),
        await observable(
          await unreachable("POST", "/send-verification-email", { body: { email } }),
        ),
        await observable(await unreachable("POST", "/request-password-reset", { body: { email } })),
      ]);
      const delivered = uniqueEmail("mail");
      expect(value).toEqual([
        await observable(
          await call("POST", "/sign-up/email", {
            body: { email: delivered, password: TEST_PASSWORD, name: "Mail" },
          }),
        ),
        await observable(
          await call("POST", "/send-verification-email", { body: { email: delivered } }),
        ),
        await observable(
          await call("POST", "/request-password-reset", { body: { email: delivered } }),
        ),
      ]);
      const failures = lines
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { message?: string; kind?: string })
        .filter((entry) => entry.message === "mail not sent");
      expect(failures.map((entry) => entry.kind)).toEqual([
        "verify-email",
        "verify-email",
        "reset-password",
      ]);
      const local = email.split("@")[0] ?? email;
      for (const line of lines) expect(line).not.toContain(local);
    });
  });

  describe("with verification off (EMAIL_VERIFICATION=off)", () => {
    const unverified = createTestAuth(database, { secret, emailVerification: false }).caller();

    it("signs up straight into a session and mails nothing", async () => {
      const email = uniqueEmail("no-verify");
      const response = await unverified("POST", "/sign-up/email", {
        body: { email, password: TEST_PASSWORD, name: "Quick" },
      });
      expect(response.status).toBe(200);
      expect(await currentSession(unverified, cookieHeader(response))).toMatchObject({
        user: { email, emailVerified: false },
      });
      expect(await mailTo(email)).toEqual([]);
      expect((await signIn(unverified, email, TEST_PASSWORD)).status).toBe(200);
    });
  });
});
