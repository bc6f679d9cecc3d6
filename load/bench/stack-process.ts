import { randomBytes } from "node:crypto";
import { floorFunction } from "./floor-function";
import { serveStackToParent } from "./stack-child";
import { FLOOR_PATH } from "./stack-protocol";

/**
 * The system under load for the API benchmark, in its own process so the load generator does
 * not share its event loop: the local stack (real entries, local API Gateway, Neon driver to
 * PostgreSQL) plus one local-only floor route on the same gateway that runs `SELECT 1` through
 * the same driver with the same pool size as the tasks function, in instances of its own. Talks
 * to the bench over IPC.
 */
const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl) throw new Error("the bench's stack process needs BENCH_DATABASE_URL");

await serveStackToParent("bench-stack-", {
  port: 0,
  databaseUrl,
  // One secret per database (api-load-bench.ts derives it): the jwks rows it encrypts stay readable
  // by the next stack the bench starts on the same database.
  secret: process.env.BENCH_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
  // Sign-up is rate-limited per client IP; every bench user comes from 127.0.0.1.
  rateLimit: false,
  // The bench signs its users up over HTTP and measures the API, not the mailbox round trip.
  emailVerification: false,
  serveSite: false,
  quiet: true,
  // SELECT 1 in a pool of its own, opened as functions/tasks opens its database.
  extraRoutes: ({ databaseUrl: functionsUrl }) => ({
    routes: [{ key: `GET ${FLOOR_PATH}`, function: "floor", auth: "none" }],
    functions: { floor: floorFunction(functionsUrl) },
  }),
});
