import { Config } from "sst/constructs";
import { describe, expect, it } from "vitest";
import { STAGE_SECRETS } from "../secrets";
import { constructApp } from "../synthesize";

describe("the secrets the pre-deploy check asks for", () => {
  it("are exactly the Config.Secret constructs the stack binds", async () => {
    const { stack } = await constructApp("secrets-check");
    const secrets = stack.node
      .findAll()
      .filter((construct): construct is Config.Secret => construct instanceof Config.Secret)
      .map((secret) => secret.name);
    expect(secrets.sort()).toEqual([...STAGE_SECRETS].sort());
  });
});
