import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import {
  type AuthCall,
  accessToken,
  createTestAuth,
  signUp,
  TEST_PASSWORD,
  uniqueEmail,
  verifyEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { authorizerFor } from "../../infra/testing/signers";
import { MAX_TOKEN_BYTES } from "../authorizer/verify-access-token";
import { user } from "../db/schema";
import { MAX_AUTH_BODY_BYTES, PAYLOAD_TOO_LARGE_CODE } from "./auth-lambda";
import { EMAIL_MAX_LENGTH, NAME_MAX_LENGTH } from "./profile-fields";

/** The longest address the bounds allow: a 64-character local part and 63-character labels. */
function longestEmail(): string {
  const local = "a".repeat(64);
  const domain = `${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`;
  const email = `${local}@${domain}`;
  expect(email).toHaveLength(EMAIL_MAX_LENGTH);
  return email;
}

describeEachEngine("profile field bounds on %s", (database) => {
  const testAuth = createTestAuth(database);
  let call: AuthCall;

  beforeAll(() => {
    call = testAuth.caller("lambda");
  });

  const usersWith = (email: string) => database.db.select().from(user).where(eq(user.email, email));

  async function expectRefused(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(((await response.json()) as { code?: string }).code).toBe(code);
  }

  const signUpAs = (name: unknown, email: string) =>
    call("POST", "/sign-up/email", { body: { name, email, password: TEST_PASSWORD } });

  it("trims the name at sign-up and keeps exactly 100 characters", async () => {
    const trimmedEmail = uniqueEmail("trimmed");
    expect((await signUpAs("  Ada Lovelace \n", trimmedEmail)).status).toBe(200);
    expect((await usersWith(trimmedEmail))[0]?.name).toBe("Ada Lovelace");
    // Counted in characters, not UTF-16 units or bytes: 100 emoji are 100 characters.
    const longest = "😀".repeat(NAME_MAX_LENGTH);
    const longestEmailAddress = uniqueEmail("longest-name");
    expect((await signUpAs(` ${longest} `, longestEmailAddress)).status).toBe(200);
    expect((await usersWith(longestEmailAddress))[0]?.name).toBe(longest);
  });

  it.each([
    ["an empty name", "", "NAME_REQUIRED"],
    ["a name of spaces only", " \t\n ", "NAME_REQUIRED"],
    ["a 101-character name", "n".repeat(NAME_MAX_LENGTH + 1), "NAME_TOO_LONG"],
    ["a 101-emoji name", "😀".repeat(NAME_MAX_LENGTH + 1), "NAME_TOO_LONG"],
  ])("refuses a sign-up with %s with 400 %s and stores nothing", async (_label, name, code) => {
    const email = uniqueEmail("bad-name");
    await expectRefused(await signUpAs(name, email), 400, code);
    expect(await usersWith(email)).toEqual([]);
  });

  it("accepts a 254-character e-mail and refuses 255 with 400 EMAIL_TOO_LONG", async () => {
    const email = longestEmail();
    expect((await signUpAs("Longest", email)).status).toBe(200);
    const tooLong = `a${email}`;
    await expectRefused(await signUpAs("Too long", tooLong), 400, "EMAIL_TOO_LONG");
    expect(await usersWith(tooLong)).toEqual([]);
  });

  it("refuses a 9 MiB name with 413 before Better Auth reads it", async () => {
    const email = uniqueEmail("huge-name");
    const response = await signUpAs("x".repeat(9 * 1024 * 1024), email);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: PAYLOAD_TOO_LARGE_CODE,
      message: `The request body must be at most ${MAX_AUTH_BODY_BYTES} bytes`,
    });
    expect(await usersWith(email)).toEqual([]);
  });

  it("bounds the name on update-user too, and trims it", async () => {
    const account = await signUp(call, uniqueEmail("update"));
    const update = (name: unknown) =>
      call("POST", "/update-user", { cookie: account.cookie, body: { name } });
    expect((await update("  Grace Hopper  ")).status).toBe(200);
    await expectRefused(await update("n".repeat(NAME_MAX_LENGTH + 1)), 400, "NAME_TOO_LONG");
    await expectRefused(await update("   "), 400, "NAME_REQUIRED");
    expect((await usersWith(account.email))[0]?.name).toBe("Grace Hopper");
    // An update that leaves the name alone is not a name check.
    expect(
      (await call("POST", "/update-user", { cookie: account.cookie, body: { image: null } }))
        .status,
    ).toBe(200);
  });

  it("refuses a new e-mail over 254 characters at change-email", async () => {
    const account = await signUp(call, uniqueEmail("change-email"));
    const response = await call("POST", "/change-email", {
      cookie: account.cookie,
      body: { newEmail: `a${longestEmail()}` },
    });
    await expectRefused(response, 400, "EMAIL_TOO_LONG");
    expect((await usersWith(account.email))[0]?.email).toBe(account.email);
  });

  it("leaves a short new e-mail and a body without the fields to Better Auth", async () => {
    const account = await signUp(call, uniqueEmail("passes"));
    const ours = ["NAME_REQUIRED", "NAME_TOO_LONG", "EMAIL_TOO_LONG"];
    const changed = await call("POST", "/change-email", {
      cookie: account.cookie,
      body: { newEmail: uniqueEmail("new") },
    });
    expect(ours).not.toContain(((await changed.json()) as { code?: string }).code);
    // No body at all: Better Auth's own validation answers, not a crash in the hook.
    const empty = await call("POST", "/sign-up/email");
    expect(empty.status).toBeGreaterThanOrEqual(400);
    expect(empty.status).toBeLessThan(500);
    expect(ours).not.toContain(((await empty.json()) as { code?: string }).code);
  });

  it("mints a token far below the authorizer's limit for the largest allowed profile, and the authorizer accepts it", async () => {
    const email = longestEmail().replace(/^a/, "z");
    // 100 four-byte characters: the most bytes a name may hold.
    const signedUp = await signUpAs("😀".repeat(NAME_MAX_LENGTH), email);
    expect(signedUp.status).toBe(200);
    const token = await accessToken(call, await verifyEmail(call, email));
    const header = `Bearer ${token}`;
    expect(Buffer.byteLength(header)).toBeLessThan(MAX_TOKEN_BYTES / 4);

    const verdict = await authorizerFor(testAuth)(authorizerEvent({ authorization: header }));
    expect(verdict).toMatchObject({ isAuthorized: true });
  });
});
