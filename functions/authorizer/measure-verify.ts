/**
 * Measures warm token verification: a real Better Auth access token (in-memory PGlite, no
 * server), verified 10,000 times by the authorizer's verifier after its key set is loaded.
 * Prints percentiles; nothing is asserted.
 *
 *   node --import tsx functions/authorizer/measure-verify.ts [iterations]
 */
import { createAuth } from "../auth/create-auth";
import {
  accessToken,
  authCaller,
  signUp,
  TEST_AUDIENCE,
  TEST_ISSUER,
  testAuthSettings,
} from "../auth/test-support";
import { openDatabase } from "../db/database";
import { runMigrations } from "../db/migrate";
import { createAuthorizeRequest } from "./authorize-request";
import { createJwksKeySource } from "./jwks-key-source";
import { authorizerEvent, jwksFetchFromAuth } from "./test-tokens";
import { createAccessTokenVerifier } from "./verify-access-token";

const iterations = Number(process.argv[2] ?? 10_000);
const WARM_UP = 1_000;

function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const format = (ms: number) => `${ms.toFixed(3)} ms`;
  return [
    `${label} (${samples.length} warm runs)`,
    `  p50  ${format(percentile(sorted, 50))}`,
    `  p90  ${format(percentile(sorted, 90))}`,
    `  p99  ${format(percentile(sorted, 99))}`,
    `  max  ${format(sorted.at(-1) ?? Number.NaN)}`,
    `  mean ${format(mean)}`,
  ].join("\n");
}

const database = await openDatabase({ url: "memory:" });
try {
  await runMigrations(database.db);
  const auth = createAuth(testAuthSettings(database.db));
  const call = authCaller(auth, "handler");
  const user = await signUp(call, "measure@example.com");
  const token = await accessToken(call, user.cookie);

  const endpoint = jwksFetchFromAuth(auth);
  const verify = createAccessTokenVerifier({
    keys: createJwksKeySource({ url: `${TEST_ISSUER}/api/auth/jwks`, fetch: endpoint.fetch }),
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
  });
  const authorize = createAuthorizeRequest(verify);
  const event = authorizerEvent({ authorization: `Bearer ${token}` });

  const first = await verify(token);
  if (!first.ok || first.userId !== user.id)
    throw new Error(`token refused: ${JSON.stringify(first)}`);
  for (let i = 0; i < WARM_UP; i += 1) await verify(token);

  const verifySamples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    const result = await verify(token);
    verifySamples.push(performance.now() - started);
    if (!result.ok) throw new Error(`token refused: ${result.reason}`);
  }

  const contextSamples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const result = await authorize(event);
    if (!result.isAuthorized) throw new Error("authorizer denied the token");
    contextSamples.push(result.context.verifyMs);
  }

  console.log(
    `node ${process.version}, token ${token.length} bytes, JWKS fetches: ${endpoint.count()}`,
  );
  console.log(summary("verifyAccessToken", verifySamples));
  console.log(summary("authorizer context verifyMs", contextSamples));
} finally {
  await database.close();
}
