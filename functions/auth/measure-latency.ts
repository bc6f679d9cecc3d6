/**
 * Prints sign-up, sign-in and token latencies through the auth Lambda's event path on every
 * test engine (PGlite, and the machine's PostgreSQL through the Neon driver when reachable).
 * Numbers only, no pass/fail:  node --import tsx functions/auth/measure-latency.ts [calls]
 */
import { hashPassword } from "better-auth/crypto";
import { createTestDatabase, ENGINES } from "../testing/test-database";
import { createAuth } from "./create-auth";
import {
  accessToken,
  authCaller,
  cookieHeader,
  TEST_PASSWORD,
  testAuthSettings,
} from "./test-support";

const calls = Number(process.argv[2] ?? 20);

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(1)} ms  p90 ${at(0.9).toFixed(1)} ms  min ${at(0).toFixed(1)} ms`;
}

async function timed<T>(samples: number[], run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await run();
  samples.push(performance.now() - started);
  return value;
}

// The password hash alone (scrypt, in libuv's thread pool): the floor under sign-up and sign-in.
const hashes: number[] = [];
for (let index = 0; index < calls; index++) await timed(hashes, () => hashPassword(TEST_PASSWORD));
console.log(`scrypt hash alone: ${summary(hashes)}`);

for (const engine of ENGINES) {
  const database = await createTestDatabase(engine);
  try {
    const call = authCaller(createAuth(testAuthSettings(database.db)), "lambda");
    const signUps: number[] = [];
    const signIns: number[] = [];
    const tokens: number[] = [];
    // One warm-up round: the first token request also mints the signing key.
    const warm = await call("POST", "/sign-up/email", {
      body: { email: "warm-up@example.com", password: TEST_PASSWORD, name: "Warm" },
    });
    await accessToken(call, cookieHeader(warm));
    for (let index = 0; index < calls; index++) {
      const email = `measure-${index}@example.com`;
      const signedUp = await timed(signUps, () =>
        call("POST", "/sign-up/email", { body: { email, password: TEST_PASSWORD, name: "M" } }),
      );
      if (signedUp.status !== 200) throw new Error(`sign-up answered ${signedUp.status}`);
      const signedIn = await timed(signIns, () =>
        call("POST", "/sign-in/email", { body: { email, password: TEST_PASSWORD } }),
      );
      if (signedIn.status !== 200) throw new Error(`sign-in answered ${signedIn.status}`);
      await timed(tokens, () => accessToken(call, cookieHeader(signedIn)));
    }
    console.log(`${database.label}, ${calls} calls each, through the Lambda event path:`);
    console.log(`  sign-up  ${summary(signUps)}`);
    console.log(`  sign-in  ${summary(signIns)}`);
    console.log(`  token    ${summary(tokens)}`);
  } finally {
    await database.dispose();
  }
}
