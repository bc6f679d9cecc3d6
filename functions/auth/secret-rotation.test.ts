import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import { beforeEach, expect, it } from "vitest";
import {
  type AuthCall,
  accessToken,
  cookieHeader,
  createTestAuth,
  signUp,
  TEST_PASSWORD,
  type TestAuth,
  uniqueEmail,
} from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { mailTokenOf, newestMailTo } from "../../infra/testing/mail";
import { authorizerFor } from "../../infra/testing/signers";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import { jwks, session } from "../db/schema";
import { reencryptSigningKeys, SigningKeySecretMismatch } from "./reencrypt-signing-keys";

/**
 * BETTER_AUTH_SECRET rotation (docs/operations.md, "Rotate BETTER_AUTH_SECRET"): the auth function
 * before the rotation runs with the old secret, the one after with the new one, on one database;
 * `npm run secret:rotate` re-encrypts the stored private keys in between.
 */
const newSecret = () => randomBytes(32).toString("base64url");

describeEachEngine("rotating BETTER_AUTH_SECRET on %s", { per: "test" }, (database) => {
  const oldSecret = newSecret();
  const rotatedSecret = newSecret();
  let before: TestAuth;
  let after: TestAuth;
  let callBefore: AuthCall;
  let callAfter: AuthCall;

  beforeEach(() => {
    before = createTestAuth(database, { secret: oldSecret });
    after = createTestAuth(database, { secret: rotatedSecret });
    callBefore = before.caller();
    callAfter = after.caller();
  });

  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const storedKeys = () => database.db.select().from(jwks);

  /** The tasks API's answer to `token`, through the authorizer of the given auth function. */
  async function listTasksWith(testAuth: TestAuth, token: string): Promise<number> {
    const verdict = await authorizerFor(testAuth)(
      authorizerEvent({ authorization: `Bearer ${token}` }),
    );
    if (!verdict.isAuthorized) return 403;
    const tasks = createGatewayClient(database);
    return (await tasks("GET", "/api/tasks", { authorizer: verdict.context })).status;
  }

  it("keeps tokens and sessions, signs cookies out, and serves get-session and tokens after", async () => {
    const signedUp = await signUp(callBefore, uniqueEmail("secret-rotate"));
    const oldToken = await accessToken(callBefore, signedUp.cookie);
    const [stored] = await storedKeys();

    expect(await reencryptSigningKeys(database.db, { from: oldSecret, to: rotatedSecret })).toEqual(
      { reencrypted: [kidOf(oldToken)], alreadyCurrent: [] },
    );
    const [reencrypted] = await storedKeys();
    expect(reencrypted?.privateKey).not.toBe(stored?.privateKey);
    expect(reencrypted?.publicKey).toBe(stored?.publicKey);

    // The cookie was signed with the old secret: the new function does not believe it (200, null).
    const oldCookie = await callAfter("GET", "/get-session", { cookie: signedUp.cookie });
    expect(oldCookie.status).toBe(200);
    expect(await oldCookie.json()).toBeNull();
    expect((await callAfter("GET", "/token", { cookie: signedUp.cookie })).status).toBe(401);
    // The session row stays, so the token it minted keeps working until it expires.
    const sessions = await database.db
      .select()
      .from(session)
      .where(eq(session.userId, signedUp.id));
    expect(sessions).toHaveLength(1);
    expect(await listTasksWith(after, oldToken)).toBe(200);

    // Signing in again works at once; the new token is signed with the same, re-encrypted key.
    const signedIn = await callAfter("POST", "/sign-in/email", {
      body: { email: signedUp.email, password: TEST_PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    const cookie = cookieHeader(signedIn);
    const current = await callAfter("GET", "/get-session", { cookie });
    expect(current.status).toBe(200);
    expect(((await current.json()) as { user: { id: string } }).user.id).toBe(signedUp.id);
    const newToken = await accessToken(callAfter, cookie);
    expect(kidOf(newToken)).toBe(kidOf(oldToken));
    expect(await listTasksWith(after, newToken)).toBe(200);

    // A second run (the command runs twice) finds nothing left to do.
    expect(await reencryptSigningKeys(database.db, { from: oldSecret, to: rotatedSecret })).toEqual(
      { reencrypted: [], alreadyCurrent: [kidOf(oldToken)] },
    );
  });

  it("without the re-encryption the new secret cannot sign, and the old one cannot after it", async () => {
    const { cookie, email } = await signUp(callBefore, uniqueEmail("secret-mismatch"));
    await accessToken(callBefore, cookie);
    const fresh = await callAfter("POST", "/sign-in/email", {
      body: { email, password: TEST_PASSWORD },
    });
    expect((await callAfter("GET", "/token", { cookie: cookieHeader(fresh) })).status).toBe(500);

    await reencryptSigningKeys(database.db, { from: oldSecret, to: rotatedSecret });
    // Why the command restarts the functions at once: an instance still on the old secret fails.
    expect((await callBefore("GET", "/token", { cookie })).status).toBe(500);
    expect((await callAfter("GET", "/token", { cookie: cookieHeader(fresh) })).status).toBe(200);
  });

  it("refuses a current secret that does not open the keys, and changes nothing", async () => {
    const { cookie } = await signUp(callBefore, uniqueEmail("secret-wrong"));
    await accessToken(callBefore, cookie);
    const stored = await storedKeys();

    const wrong = reencryptSigningKeys(database.db, { from: newSecret(), to: rotatedSecret });
    await expect(wrong).rejects.toBeInstanceOf(SigningKeySecretMismatch);
    expect(await storedKeys()).toEqual(stored);
    expect((await callBefore("GET", "/token", { cookie })).status).toBe(200);
  });

  it("voids verification links mailed before, while reset links keep working", async () => {
    const email = uniqueEmail("secret-links");
    const signedUp = await callBefore("POST", "/sign-up/email", {
      body: { email, password: TEST_PASSWORD, name: "links" },
    });
    expect(signedUp.status).toBe(200);
    const verifyToken = mailTokenOf(await newestMailTo(email, "verify-email"));
    const reset = await callBefore("POST", "/request-password-reset", { body: { email } });
    expect(reset.status).toBe(200);
    const resetToken = mailTokenOf(await newestMailTo(email, "reset-password"));

    await reencryptSigningKeys(database.db, { from: oldSecret, to: rotatedSecret });
    const verified = await callAfter("GET", `/verify-email?token=${verifyToken}`);
    expect(verified.status).not.toBe(200);
    const resetDone = await callAfter("POST", "/reset-password", {
      body: { token: resetToken, newPassword: "a brand new passphrase" },
    });
    expect(resetDone.status).toBe(200);
  });
});
