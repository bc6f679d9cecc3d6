import { decodeProtectedHeader } from "jose";
import { expect, it } from "vitest";
import { retireSigningKeys } from "../../functions/auth/signing-keys";
import { accessToken, createTestAuth, signUp, uniqueEmail } from "../testing/auth";
import { describeEachEngine } from "../testing/database-suite";
import { checkNewAuthSecret, generateAuthSecret, rotateAuthSecret } from "./auth-secret-rotation";
import { DeployError } from "./deploy-target";

describeEachEngine(
  "npm run secret:rotate on %s",
  { openedByUrl: true, per: "test" },
  (database) => {
    it("re-encrypts a key an instance on the old secret minted while the secret was published", async () => {
      const currentSecret = generateAuthSecret();
      const newSecret = generateAuthSecret();
      const before = createTestAuth(database, { secret: currentSecret }).caller();
      const after = createTestAuth(database, { secret: newSecret }).caller();
      const { cookie } = await signUp(before, uniqueEmail("secret-publish"));
      const first = decodeProtectedHeader(await accessToken(before, cookie)).kid;
      let mintedMeanwhile: string | undefined;

      const result = await rotateAuthSecret({
        databaseUrl: database.url,
        currentSecret,
        newSecret,
        // A restart is not instant: a rotation falls due on an instance still on the old secret.
        publish: async () => {
          await retireSigningKeys(database.db);
          mintedMeanwhile = decodeProtectedHeader(await accessToken(before, cookie)).kid;
        },
      });

      expect(mintedMeanwhile).toBeDefined();
      expect(result).toEqual({ reencrypted: [first, mintedMeanwhile] });
      const { cookie: fresh } = await signUp(after, uniqueEmail("secret-after"));
      expect(decodeProtectedHeader(await accessToken(after, fresh)).kid).toBe(mintedMeanwhile);
    });
  },
);

it("refuses a new secret that is short, or the current one", () => {
  const current = generateAuthSecret();
  expect(() => checkNewAuthSecret(current, "too short")).toThrow(DeployError);
  expect(() => checkNewAuthSecret(current, current)).toThrow("nothing to rotate");
  expect(() => checkNewAuthSecret(current, generateAuthSecret())).not.toThrow();
});
