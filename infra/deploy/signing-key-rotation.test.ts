import { SSMClient } from "@aws-sdk/client-ssm";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessToken, createTestAuth, signUp, uniqueEmail } from "../testing/auth";
import { describeEachEngine } from "../testing/database-suite";
import { fallbackParameterName, secretParameterName } from "./check-secrets";
import { type FakeSsm, startFakeSsm } from "./fake-ssm";
import { rotateStageSigningKeys } from "./signing-key-rotation";
import { readStageSecret } from "./stage-secret-value";

describeEachEngine("npm run keys:rotate on %s", { openedByUrl: true }, (database) => {
  // What a retired key still does (published, verifying old tokens): signing-key-rotation.test.ts
  // in functions/auth. Here: the command reaches the stage's database and retires its live key.
  it("retires the live key, so the next token is signed with a new one", async () => {
    const call = createTestAuth(database).caller();
    const { cookie } = await signUp(call, uniqueEmail("keys-rotate"));
    const { kid } = decodeProtectedHeader(await accessToken(call, cookie));

    expect(await rotateStageSigningKeys(database.url)).toEqual({ retired: [kid] });
    expect(decodeProtectedHeader(await accessToken(call, cookie)).kid).not.toBe(kid);
  });
});

describe("the stage's DATABASE_URL read from SSM with the operator's credentials", () => {
  const target = { app: "auth-jwt-bridge", stage: "prod", region: "eu-central-1" };
  let ssm: FakeSsm;
  let client: SSMClient;

  beforeAll(async () => {
    ssm = await startFakeSsm();
    client = new SSMClient({
      region: target.region,
      endpoint: ssm.endpoint,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" },
    });
  });
  afterAll(async () => {
    client.destroy();
    await ssm.close();
  });

  it("asks for the stage's parameter and the fallback, decrypted, in one call", async () => {
    ssm.requests.length = 0;
    ssm.values.set(secretParameterName(target, "DATABASE_URL"), "postgres://stage");
    ssm.values.set(fallbackParameterName(target, "DATABASE_URL"), "postgres://fallback");
    expect(await readStageSecret(client, target, "DATABASE_URL")).toBe("postgres://stage");
    const names = ["prod", ".fallback"].map(
      (s) => `/sst/auth-jwt-bridge/${s}/Secret/DATABASE_URL/value`,
    );
    expect(ssm.requests.map((request) => request.body)).toEqual([
      { Names: names, WithDecryption: true },
    ]);
  });

  it("takes the fallback when the stage has none, and names both places when neither is set", async () => {
    ssm.values.delete(secretParameterName(target, "DATABASE_URL"));
    expect(await readStageSecret(client, target, "DATABASE_URL")).toBe("postgres://fallback");
    ssm.values.clear();
    await expect(readStageSecret(client, target, "DATABASE_URL")).rejects.toThrow(
      'DATABASE_URL is not set for stage "prod" in eu-central-1 (looked in /sst/auth-jwt-bridge/prod/Secret/DATABASE_URL/value and /sst/auth-jwt-bridge/.fallback/Secret/DATABASE_URL/value).',
    );
  });

  it("says which permissions are missing when SSM refuses, without the SDK's message", async () => {
    ssm.failWith = { status: 400, type: "AccessDeniedException", message: "not allowed: arn:…" };
    try {
      const refused = readStageSecret(client, target, "DATABASE_URL");
      await expect(refused).rejects.toThrow(
        /\(AccessDeniedException\): your credentials need ssm:GetParameters .* and kms:Decrypt\.$/,
      );
    } finally {
      delete ssm.failWith;
    }
  });
});
