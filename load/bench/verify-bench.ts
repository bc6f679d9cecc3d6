import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { authorizerConfig, authorizerEnvironment } from "../../functions/authorizer/config";
import { createAuthorizerHandler } from "../../functions/authorizer/create-handler";
import { createJwksKeySource } from "../../functions/authorizer/jwks-key-source";
import { createAccessTokenVerifier } from "../../functions/authorizer/verify-access-token";
import { parseConfig } from "../../functions/shared/config";
import { toAuthorizerEvent } from "../../infra/local/authorizer-gate";
import { requestToGatewayEvent } from "../../infra/local/gateway-event";
import type { AuthFixture } from "./auth-fixture";
import { type LatencySummary, summarize } from "./stats";

/**
 * 1. The authorizer's verify function on a real token, warm, beside the floor: node:crypto's
 *    Ed25519 verify of the same signing input with the same public key. Measured in alternating
 *    blocks so drift on a shared machine (other processes, GC, CPU frequency) hits both alike.
 * 2. The authorizer Lambda entry itself, given a real API Gateway authorizer event, with the
 *    JWKS served over HTTP by the real auth instance.
 */
export interface VerifyBenchResult {
  iterations: number;
  verify: LatencySummary;
  floor: LatencySummary;
}

export interface HandlerBenchResult {
  iterations: number;
  /** The first invocation after import: it loads the JWKS over HTTP. */
  firstInvocationMs: number;
  handler: LatencySummary;
  /** The verifyMs the authorizer put in its context (what Server-Timing reports). */
  reportedVerify: LatencySummary;
}

const BLOCK = 500;

function signedParts(token: string): { input: Buffer; signature: Buffer; kid: string } {
  const lastDot = token.lastIndexOf(".");
  const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
    kid?: unknown;
  };
  if (typeof header.kid !== "string") throw new Error("bench token has no kid");
  return {
    input: Buffer.from(token.slice(0, lastDot)),
    signature: Buffer.from(token.slice(lastDot + 1), "base64url"),
    kid: header.kid,
  };
}

async function publishedKey(jwksUrl: string, kid: string): Promise<KeyObject> {
  const { keys } = (await (await fetch(jwksUrl)).json()) as { keys: Array<{ kid?: string }> };
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error(`kid ${kid} is not in the JWKS`);
  return createPublicKey({ key: jwk, format: "jwk" });
}

export async function benchVerify(
  fixture: AuthFixture,
  iterations: number,
): Promise<VerifyBenchResult> {
  const verifyAccessToken = createAccessTokenVerifier({
    keys: createJwksKeySource({ url: fixture.jwksUrl }),
    issuer: fixture.issuer,
    audience: fixture.audience,
  });
  const { input, signature, kid } = signedParts(fixture.token);
  const key = await publishedKey(fixture.jwksUrl, kid);
  if (!cryptoVerify(null, input, key, signature))
    throw new Error("floor: signature does not verify");
  const first = await verifyAccessToken(fixture.token);
  if (!first.ok) throw new Error(`verify refused the bench token: ${first.reason}`);

  const verifySamples: number[] = [];
  const floorSamples: number[] = [];
  const warmup = Math.min(2_000, iterations);
  for (let round = 0; round * BLOCK < warmup + iterations; round++) {
    const measuring = round * BLOCK >= warmup;
    for (let i = 0; i < BLOCK; i++) {
      const started = performance.now();
      const result = await verifyAccessToken(fixture.token);
      const elapsed = performance.now() - started;
      if (!result.ok) throw new Error(`verify refused the bench token: ${result.reason}`);
      if (measuring) verifySamples.push(elapsed);
    }
    for (let i = 0; i < BLOCK; i++) {
      const started = performance.now();
      const valid = cryptoVerify(null, input, key, signature);
      const elapsed = performance.now() - started;
      if (!valid) throw new Error("floor: signature does not verify");
      if (measuring) floorSamples.push(elapsed);
    }
  }
  return {
    iterations: verifySamples.length,
    verify: summarize(verifySamples),
    floor: summarize(floorSamples),
  };
}

/** A real authorizer event for the fixture's token, built as the local gateway builds it. */
export async function authorizerEvent(
  fixture: AuthFixture,
): Promise<APIGatewayRequestAuthorizerEventV2> {
  const authorization = `Bearer ${fixture.token}`;
  const request = new Request(`${fixture.origin}/api/tasks`, { headers: { authorization } });
  const event = await requestToGatewayEvent(request, { routeKey: "GET /api/tasks" });
  return toAuthorizerEvent(event, authorization);
}

export async function benchAuthorizerHandler(
  fixture: AuthFixture,
  iterations: number,
): Promise<HandlerBenchResult> {
  // What the entry runs, from the environment the Lambda would get.
  const handler = createAuthorizerHandler(
    parseConfig(
      authorizerConfig,
      authorizerEnvironment({ origin: fixture.origin, jwksUrl: fixture.jwksUrl }),
    ),
  );
  const event = await authorizerEvent(fixture);
  const invoke = async (): Promise<{ elapsed: number; verifyMs: number }> => {
    const started = performance.now();
    const answer = await handler(event);
    const elapsed = performance.now() - started;
    if (!answer.isAuthorized) throw new Error("the authorizer refused the bench token");
    return { elapsed, verifyMs: answer.context.verifyMs };
  };

  const firstInvocationMs = (await invoke()).elapsed;
  for (let i = 0; i < Math.min(2_000, iterations); i++) await invoke();
  const samples: number[] = [];
  const reported: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const { elapsed, verifyMs } = await invoke();
    samples.push(elapsed);
    reported.push(verifyMs);
  }
  return {
    iterations,
    firstInvocationMs,
    handler: summarize(samples),
    reportedVerify: summarize(reported),
  };
}
