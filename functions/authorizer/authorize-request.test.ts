import { describe, expect, it } from "vitest";
import { authorizerEvent } from "../../infra/testing/gateway-events";
import { captureLogs, emittedMetrics, logRecords } from "../../infra/testing/logs";
import { createOwnKeySigner, staticJwksFetch } from "../../infra/testing/signers";
import { apiAudience } from "../shared/settings";
import { createAuthorizeRequest } from "./authorize-request";
import { createJwksKeySource } from "./jwks-key-source";
import { createAccessTokenVerifier } from "./verify-access-token";

const ISSUER = "https://app.example";
const AUDIENCE = apiAudience(ISSUER);

async function setup() {
  const signer = await createOwnKeySigner({
    kid: "key-1",
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: "user-1",
  });
  const endpoint = staticJwksFetch(signer.jwks);
  const authorize = createAuthorizeRequest(
    createAccessTokenVerifier({
      keys: createJwksKeySource({ url: `${ISSUER}/api/auth/jwks`, fetch: endpoint.fetch }),
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
  );
  return { signer, endpoint, authorize };
}

describe("authorizeRequest", () => {
  it("denies when the key set cannot be loaded and logs the cause for operators", async () => {
    const { signer, endpoint, authorize } = await setup();
    endpoint.fail = true;
    const token = await signer.sign();
    const event = authorizerEvent({ authorization: `Bearer ${token}` });
    const { value, lines } = await captureLogs(() => authorize(event));
    expect(value).toStrictEqual({ isAuthorized: false });
    expect(logRecords(lines)).toEqual([
      expect.objectContaining({
        reason: "key_source_unavailable",
        correlation_id: event.requestContext.requestId,
        detail: "Expected 200 OK from the JSON Web Key Set HTTP response",
      }),
    ]);
    expect(emittedMetrics(lines).map((line) => line.dimensions)).toEqual([
      { service: "authorizer", reason: "key_source_unavailable" },
    ]);
    for (const line of lines) expect(line).not.toContain(token.split(".")[2]);
  });

  it("denies an event that carries no headers at all as missing_token", async () => {
    const { authorize } = await setup();
    const { headers: _headers, ...event } = authorizerEvent({});
    const { value, lines } = await captureLogs(() => authorize(event));
    expect(value).toStrictEqual({ isAuthorized: false });
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ reason: "missing_token" });
  });
});
