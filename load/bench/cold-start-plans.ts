import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { authEnvironment } from "../../functions/auth/config";
import { authorizerEnvironment } from "../../functions/authorizer/config";
import { openDatabase } from "../../functions/db/database";
import { migrateEnvironment } from "../../functions/migrate/config";
import { tasksEnvironment } from "../../functions/tasks/config";
import { requestToGatewayEvent } from "../../infra/local/gateway-event";
import { insertUser } from "../../infra/testing/table-rows";
import type { AuthFixture } from "./auth-fixture";
import type { ColdStartPlan, FunctionName } from "./cold-start-bench";
import { authorizerEvent } from "./verify-bench";

const REPOSITORY_ROOT = resolve(import.meta.dirname, "../..");

/**
 * One real first invocation per function, each with the environment its builder gives it: the
 * authorizer on the fixture's token, and with a database the API's list, Better Auth's JWKS and
 * the migrations. The cold-start bench and the Lambda runtime test run the bundles on these.
 */
export async function coldStartPlans(
  fixture: AuthFixture,
  databaseUrl: string | undefined,
): Promise<Map<FunctionName, ColdStartPlan>> {
  const plans = new Map<FunctionName, ColdStartPlan>();
  const isStatus = (status: number) => (answer: unknown) =>
    (answer as { statusCode?: unknown } | null)?.statusCode === status;
  plans.set("authorizer", {
    env: authorizerEnvironment({ origin: fixture.origin, jwksUrl: fixture.jwksUrl }),
    event: await authorizerEvent(fixture),
    succeeded: (answer) => (answer as { isAuthorized?: unknown } | null)?.isAuthorized === true,
  });
  if (!databaseUrl) return plans;
  // A signed-in user's list: the authorizer context as the gateway passes it, a real query
  // (with its session check, so the user needs a live session row).
  const { db, close } = await openDatabase({ url: databaseUrl, maxConnections: 1 });
  const caller = await insertUser(db).finally(close);
  plans.set("api", {
    env: tasksEnvironment({ databaseUrl }),
    event: await requestToGatewayEvent(new Request(`${fixture.origin}/api/tasks`), {
      routeKey: "GET /api/tasks",
      authorizer: { userId: caller.userId, sessionId: caller.sessionId, verifyMs: 0.1 },
    }),
    succeeded: isStatus(200),
  });
  plans.set("auth", {
    env: authEnvironment({
      origin: fixture.origin,
      secret: randomBytes(32).toString("base64url"),
      databaseUrl,
      originSecret: randomBytes(32).toString("base64url"),
      // As deployed: SES is created at cold start but loaded only by the first send.
      mailFrom: "no-reply@example.com",
      mailSesRegion: "us-east-1",
    }),
    // The JWKS: Better Auth's own path through the database.
    event: await requestToGatewayEvent(new Request(`${fixture.origin}/api/auth/jwks`), {
      routeKey: "ANY /api/auth/{proxy+}",
      pathParameters: { proxy: "jwks" },
    }),
    succeeded: isStatus(200),
  });
  plans.set("migrate", {
    env: migrateEnvironment({
      databaseUrl,
      migrationsDir: resolve(REPOSITORY_ROOT, "functions/db/migrations"),
    }),
    event: {},
    succeeded: (answer) => typeof (answer as { total?: unknown } | null)?.total === "number",
  });
  return plans;
}
