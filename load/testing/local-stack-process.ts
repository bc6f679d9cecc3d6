import { randomBytes } from "node:crypto";
import { serveStackToParent } from "../bench/stack-child";

/**
 * `npm start` for a test that blocks its own event loop (the fake k6 runtime waits for each answer
 * synchronously): the local stack on a fresh embedded PGlite, e-mail verification on as in every
 * stage, rate limits off as the README's k6 runs have them. Tells the parent its origin over IPC
 * and stops as the bench's stack process does.
 */
await serveStackToParent("k6-runtime-stack-", {
  port: 0,
  databaseUrl: `memory:k6-runtime-${randomBytes(4).toString("hex")}`,
  secret: randomBytes(32).toString("base64url"),
  rateLimit: false,
  serveSite: false,
  quiet: true,
});
