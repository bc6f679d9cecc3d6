import { createHmac } from "node:crypto";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/database";
import { signInFailure } from "../db/schema";

/** Per-account limits stop guessers with many addresses; docs/security.md states the policy. */
export interface AccountLockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Auth0's default threshold (10); 15-minute window and lock, as OWASP's examples use. */
export const ACCOUNT_LOCKOUT_POLICY: Readonly<AccountLockoutPolicy> = {
  maxFailures: 10,
  windowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
};

export const ACCOUNT_LOCKED_CODE = "ACCOUNT_TEMPORARILY_LOCKED";

/** The only endpoint that takes a password without a session; the others need one already. */
export const SIGN_IN_PATH = "/sign-in/email";

/** Better Auth's answer to a wrong password and to an unknown e-mail alike. */
const INVALID_CREDENTIALS_CODE = "INVALID_EMAIL_OR_PASSWORD";

export interface AccountLockoutSettings {
  db: Database;
  /** BETTER_AUTH_SECRET: keys the HMAC that names each counter. */
  secret: string;
  policy?: AccountLockoutPolicy;
  /** Injected by tests; Lambda clocks are NTP-synchronised, so instances agree on it. */
  now?: () => Date;
}

/** What the lockout tells the security trail; `ctx` is the sign-in request's. */
export interface LockoutEvents {
  refusedWhileLocked(ctx: { body?: unknown; headers?: Headers }): void;
  locked(ctx: { headers?: Headers }, account: string, lockedForSeconds: number): void;
}

export interface FailureCount {
  failures: number;
  lockedUntil: Date | null;
  /** Seconds until the lock ends, when this failure left the account locked. */
  lockedFor?: number;
}

/** As Better Auth looks users up (lower-cased), so all spellings of an account share a counter. */
export function normaliseEmail(email: string): string {
  return email.toLowerCase();
}

/** The counter's name: an HMAC, so the table neither holds nor reveals an address. */
export function accountKey(secret: string, email: string): string {
  return createHmac("sha256", secret)
    .update(`sign-in-failure:${normaliseEmail(email)}`)
    .digest("base64url");
}

/** Whole minutes, rounded up, for the message ("Try again in 15 minutes"). */
function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export function accountLockedError(retryAfterSeconds: number): APIError {
  return new APIError(
    "TOO_MANY_REQUESTS",
    {
      code: ACCOUNT_LOCKED_CODE,
      message:
        "Too many failed sign-ins for this account. " +
        `Try again in ${minutesText(retryAfterSeconds)} or reset your password.`,
    },
    // Retry-After is the standard header; X-Retry-After is what Better Auth's own 429 sends.
    { "Retry-After": String(retryAfterSeconds), "X-Retry-After": String(retryAfterSeconds) },
  );
}

export function createAccountLockout(settings: AccountLockoutSettings) {
  const { db, secret } = settings;
  const policy = settings.policy ?? ACCOUNT_LOCKOUT_POLICY;
  const now = settings.now ?? (() => new Date());
  const table = signInFailure;

  /** Seconds until the account's lock ends, or undefined when it is not locked. */
  async function lockedFor(email: string): Promise<number | undefined> {
    const at = now();
    const [row] = await db
      .select({ lockedUntil: table.lockedUntil })
      .from(table)
      .where(eq(table.key, accountKey(secret, email)));
    const until = row?.lockedUntil?.getTime();
    if (until === undefined || until <= at.getTime()) return undefined;
    return Math.ceil((until - at.getTime()) / 1000);
  }

  /** One upsert, so concurrent failures all count; a lock once set is never extended. */
  async function recordFailure(email: string): Promise<FailureCount> {
    const at = now();
    const windowCutoff = new Date(at.getTime() - policy.windowSeconds * 1000);
    const lockEnd = new Date(at.getTime() + policy.lockSeconds * 1000);
    const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;
    const windowOver = sql`${table.windowStartedAt} <= ${ts(windowCutoff)}`;
    const lockOver = sql`coalesce(${table.lockedUntil} <= ${ts(at)}, false)`;
    const restart = sql`(${windowOver} or ${lockOver})`;
    const next = sql`case when ${restart} then 1 else ${table.failures} + 1 end`;
    const [row] = await db
      .insert(table)
      .values({
        key: accountKey(secret, email),
        failures: 1,
        windowStartedAt: at,
        lockedUntil: policy.maxFailures <= 1 ? lockEnd : null,
      })
      .onConflictDoUpdate({
        target: table.key,
        set: {
          failures: next,
          windowStartedAt: sql`case
            when ${restart} then ${ts(at)} else ${table.windowStartedAt} end`,
          lockedUntil: sql`case
            when not ${restart} and ${table.lockedUntil} > ${ts(at)} then ${table.lockedUntil}
            when ${next} >= ${policy.maxFailures} then ${ts(lockEnd)}
            else null end`,
        },
      })
      .returning({ failures: table.failures, lockedUntil: table.lockedUntil });
    // An upsert with RETURNING always yields its row: this line only narrows the type.
    /* v8 ignore next -- @preserve */
    if (!row) throw new Error("the sign-in failure upsert returned no row");
    // A new window is the moment to drop counters nobody has touched for a full window and lock.
    if (row.failures === 1) await pruneExpired(at);
    const remaining = (row.lockedUntil?.getTime() ?? 0) - at.getTime();
    return remaining > 0 ? { ...row, lockedFor: Math.ceil(remaining / 1000) } : row;
  }

  async function pruneExpired(at: Date): Promise<void> {
    const cutoff = new Date(at.getTime() - (policy.windowSeconds + policy.lockSeconds) * 1000);
    await db
      .delete(table)
      .where(
        and(
          lt(table.windowStartedAt, cutoff),
          or(isNull(table.lockedUntil), lt(table.lockedUntil, at)),
        ),
      );
  }

  /** A successful sign-in (or a password reset) starts the account from nothing. */
  async function clear(email: string): Promise<void> {
    await db.delete(table).where(eq(table.key, accountKey(secret, email)));
  }

  return { policy, lockedFor, recordFailure, clear };
}

/** For the password-reset flow: a reset proves the owner, so the account's lock goes. */
export async function clearAccountLockout(
  db: Database,
  secret: string,
  email: string,
): Promise<void> {
  await createAccountLockout({ db, secret }).clear(email);
}

function emailOf(body: unknown): string | undefined {
  const email = (body as { email?: unknown } | null | undefined)?.email;
  return typeof email === "string" ? email : undefined;
}

/**
 * A plugin, so create-auth gains one line: refuse before the password check, record after it;
 * `events` hears of each refusal of a locked account and each lock set (security-events.ts).
 */
export function accountLockout(
  settings: AccountLockoutSettings,
  events: LockoutEvents,
): BetterAuthPlugin {
  const lockout = createAccountLockout(settings);
  return {
    id: "account-lockout",
    hooks: {
      before: [
        {
          matcher: (context) => context.path === SIGN_IN_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (email === undefined) return;
            const seconds = await lockout.lockedFor(email);
            if (seconds === undefined) return;
            events.refusedWhileLocked(ctx);
            throw accountLockedError(seconds);
          }),
        },
      ],
      after: [
        {
          matcher: (context) => context.path === SIGN_IN_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (email === undefined) return;
            const returned: unknown = ctx.context.returned;
            if (!isAPIError(returned)) {
              await lockout.clear(email);
              return;
            }
            // Only a refused password counts: a malformed e-mail or an unverified one is no guess.
            if (returned.body?.code !== INVALID_CREDENTIALS_CODE) return;
            // The failure keeps its 401: Better Auth fixes the status before after hooks run.
            const { lockedFor } = await lockout.recordFailure(email);
            if (lockedFor !== undefined) {
              events.locked(ctx, accountKey(settings.secret, email), lockedFor);
            }
          }),
        },
      ],
    },
  };
}
