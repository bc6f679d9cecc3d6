import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { compactVerify, createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
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
  /**
   * Where verify's time goes, each step adding one layer to the one before, all measured in the
   * same alternating blocks: the floor, jose's signature check, its JWT claims check, its key
   * lookup in a JWKS, then the authorizer's own checks (verify itself).
   */
  steps: { name: string; summary: LatencySummary }[];
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

async function publishedKeys(jwksUrl: string): Promise<JSONWebKeySet> {
  return (await (await fetch(jwksUrl)).json()) as JSONWebKeySet;
}

async function publishedKey(jwksUrl: string, kid: string): Promise<KeyObject> {
  const { keys } = await publishedKeys(jwksUrl);
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error(`kid ${kid} is not in the JWKS`);
  return createPublicKey({ key: jwk, format: "jwk" });
}

type Check = () => Promise<boolean> | boolean;

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
  const localJwks = createLocalJWKSet(await publishedKeys(fixture.jwksUrl));
  const claims = { issuer: fixture.issuer, audience: fixture.audience, algorithms: ["EdDSA"] };
  const token = fixture.token;
  const checks: [string, Check][] = [
    ["floor: node:crypto Ed25519 verify", () => cryptoVerify(null, input, key, signature)],
    ["jose compactVerify, key object", async () => Boolean(await compactVerify(token, key))],
    [
      "+ jwtVerify claims (iss, aud, exp)",
      async () => Boolean(await jwtVerify(token, key, claims)),
    ],
    [
      "+ key lookup in a local JWKS",
      async () => Boolean(await jwtVerify(token, localJwks, claims)),
    ],
    ["verifyAccessToken (the authorizer)", async () => (await verifyAccessToken(token)).ok],
  ];
  for (const [name, check] of checks) {
    if (!(await check())) throw new Error(`${name}: the bench token does not verify`);
  }

  const samples: number[][] = checks.map(() => []);
  const warmup = Math.min(2_000, iterations);
  for (let round = 0; round * BLOCK < warmup + iterations; round++) {
    const measuring = round * BLOCK >= warmup;
    for (const [index, [name, check]] of checks.entries()) {
      for (let i = 0; i < BLOCK; i++) {
        const started = performance.now();
        const valid = await check();
        const elapsed = performance.now() - started;
        if (!valid) throw new Error(`${name}: the bench token stopped verifying`);
        if (measuring) samples[index]?.push(elapsed);
      }
    }
  }
  const steps = checks.map(([name], index) => ({ name, summary: summarize(samples[index] ?? []) }));
  const floor = steps[0]?.summary ?? summarize([]);
  const verify = steps[steps.length - 1]?.summary ?? summarize([]);
  return { iterations: samples[0]?.length ?? 0, verify, floor, steps };
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
