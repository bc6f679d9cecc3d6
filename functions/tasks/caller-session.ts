import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { session } from "../db/schema";

/**
 * The session check of every task query. Access tokens are stateless and live 15 minutes, so the
 * API refuses a token whose Better Auth session is gone (signed out, revoked, password changed,
 * account deleted) or expired. The check is a CTE of the very statement that serves the request:
 * revocation costs no extra round trip, and the statement itself tells "session ended" from
 * "no such task" (see task-repository.ts).
 */

/** Who calls, as the authorizer vouched for it: the token's `sub` and `sid`. */
export interface Caller {
  userId: string;
  sessionId: string;
}

/** The caller's session no longer exists or has expired: the token must not be honoured. */
export class SessionEnded extends Error {
  constructor() {
    super("the session of this access token has ended");
    this.name = "SessionEnded";
  }
}

/**
 * `caller_session`: one row when the token's session is still active for the token's user, none
 * otherwise. Served by the session primary key; `user_id` makes a sid of another user worthless.
 */
export function callerSession(db: Database, caller: Caller) {
  return db.$with("caller_session").as(
    db
      .select({ id: session.id })
      .from(session)
      .where(
        and(
          eq(session.id, caller.sessionId),
          eq(session.userId, caller.userId),
          gt(session.expiresAt, sql`now()`),
        ),
      ),
  );
}

/** Statements built on `caller_session` return no row at all when it is empty. */
export function requireActiveSession<Row>(rows: Row[]): [Row, ...Row[]] {
  const [first, ...rest] = rows;
  if (first === undefined) throw new SessionEnded();
  return [first, ...rest];
}
