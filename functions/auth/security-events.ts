import { isIP } from "node:net";
import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { CLIENT_IP_HEADER } from "../shared/client-address";
import { logSecurityEvent } from "../shared/log";
import { recordMetrics } from "../shared/metrics";
import {
  ACCOUNT_LOCKED_CODE,
  accountKey,
  type LockoutEvents,
  SIGN_IN_PATH,
} from "./account-lockout";

/**
 * The security trail: one "security event" line per failed sign-in, lockout, reset request and
 * completion, e-mail change, session revocation and account deletion. Each names the user when it
 * is known and the client's network (its address cut to /24 or /48), never a password, a token
 * or an e-mail address: an address that is not yet a user is named by `account`, the same keyed
 * hash that names its sign-in failure counter (account-lockout.ts).
 */
export type SecurityEvent =
  | "sign_in_failed"
  | "account_locked"
  | "password_reset_requested"
  | "password_reset_completed"
  | "email_changed"
  | "session_revoked"
  | "account_deleted";

/** What a hook knows of the request: Better Auth's endpoint context (or none, outside one). */
interface RequestContext {
  path?: string;
  headers?: Headers;
}

export const PASSWORD_RESET_REQUEST_PATH = "/request-password-reset";

/**
 * An address cut to its network: IPv4 to /24, IPv6 to /48 (an IPv4-mapped IPv6 address as IPv4).
 * Enough to see that attempts come from one place, not enough to name a subscriber.
 */
export function clientNetwork(address: string | null | undefined): string | undefined {
  const text = address?.trim() ?? "";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)?.[1];
  const candidate = mapped ?? text;
  const version = isIP(candidate);
  if (version === 4) return `${candidate.split(".").slice(0, 3).join(".")}.0/24`;
  if (version !== 6) return undefined;
  const [head = "", tail] = candidate.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = Array(8 - headGroups.length - tailGroups.length).fill("0");
  const groups = [...headGroups, ...(tail === undefined ? [] : zeros), ...tailGroups];
  const prefix = groups.slice(0, 3).map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(":")}::/48`;
}

function clientOf(context: RequestContext | null | undefined): string | undefined {
  return clientNetwork(context?.headers?.get(CLIENT_IP_HEADER));
}

/** Writes one event, with the client's network when the request is known. */
export function reportSecurityEvent(
  event: SecurityEvent,
  context: RequestContext | null | undefined,
  fields: Record<string, string | number | undefined>,
): void {
  logSecurityEvent(event, { ...fields, client: clientOf(context) });
}

/** A refused sign-in's outcome as the SignIns metric counts it: a handful of values, never free text. */
export function signInOutcome(code: string): string {
  switch (code) {
    case "INVALID_EMAIL_OR_PASSWORD":
      return "invalid_credentials";
    case "EMAIL_NOT_VERIFIED":
      return "email_not_verified";
    case ACCOUNT_LOCKED_CODE:
      return "locked";
    default:
      return "refused";
  }
}

function emailOf(body: unknown): string | undefined {
  const email = (body as { email?: unknown } | null | undefined)?.email;
  return typeof email === "string" ? email : undefined;
}

/** The keyed hash that names an address in the trail (and in the lockout counters). */
export function accountOf(secret: string, body: unknown): string | undefined {
  const email = emailOf(body);
  return email === undefined ? undefined : accountKey(secret, email);
}

/** The lockout's refusals and locks as metrics and events (its after-hook runs before ours). */
export function lockoutEvents(secret: string): LockoutEvents {
  return {
    refusedWhileLocked(context) {
      recordMetrics({ SignIns: 1 }, { outcome: signInOutcome(ACCOUNT_LOCKED_CODE) });
      reportSecurityEvent("sign_in_failed", context, {
        reason: ACCOUNT_LOCKED_CODE,
        account: accountOf(secret, context.body),
      });
    },
    locked(context, account, lockedForSeconds) {
      recordMetrics({ Lockouts: 1 });
      reportSecurityEvent("account_locked", context, { account, lockedForSeconds });
    },
  };
}

/** A reset completed (Better Auth's onPasswordReset): every session of the user ends with it. */
export function reportPasswordReset(userId: string, request: Request | undefined): void {
  recordMetrics({ PasswordResets: 1 });
  reportSecurityEvent("password_reset_completed", { headers: request?.headers }, { userId });
}

/**
 * The events Better Auth's outcomes decide: after-hooks for sign-in and reset requests, database
 * hooks for the rows that change (a user's address, a session, a user). Database hooks see every
 * way a row goes (sign-out, revoke-session, revoke-other-sessions, revoke-sessions, a password
 * change or reset that revokes, deletion), and `via` says which endpoint did it.
 */
export function securityEvents({ secret }: { secret: string }): BetterAuthPlugin {
  // A user update that sets `email`, between its before and after hook (same context object).
  const changingEmail = new WeakSet<object>();
  return {
    id: "security-events",
    init: () => ({
      options: {
        databaseHooks: {
          user: {
            create: {
              after: async () => {
                recordMetrics({ SignUps: 1 });
              },
            },
            update: {
              before: async (data, context) => {
                if (context && typeof data.email === "string") changingEmail.add(context);
              },
              after: async (updated, context) => {
                if (!context || !changingEmail.delete(context)) return;
                reportSecurityEvent("email_changed", context, {
                  userId: updated.id,
                  via: context.path,
                });
              },
            },
            delete: {
              after: async (deleted, context) => {
                reportSecurityEvent("account_deleted", context, {
                  userId: deleted.id,
                  via: context?.path,
                });
              },
            },
          },
          session: {
            delete: {
              after: async (ended, context) => {
                reportSecurityEvent("session_revoked", context, {
                  userId: ended.userId,
                  sessionId: ended.id,
                  via: context?.path,
                });
              },
            },
          },
        },
      },
    }),
    hooks: {
      after: [
        {
          matcher: (context) => context.path === SIGN_IN_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const returned: unknown = ctx.context.returned;
            if (!isAPIError(returned)) {
              recordMetrics({ SignIns: 1 }, { outcome: "success" });
              return;
            }
            // Better Auth's refusals all carry a code; one without would read "undefined".
            const code = `${returned.body?.code}`;
            recordMetrics({ SignIns: 1 }, { outcome: signInOutcome(code) });
            reportSecurityEvent("sign_in_failed", ctx, {
              reason: code,
              account: accountOf(secret, ctx.body),
            });
          }),
        },
        {
          matcher: (context) => context.path === PASSWORD_RESET_REQUEST_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            if (isAPIError(ctx.context.returned)) return;
            recordMetrics({ PasswordResetRequests: 1 });
            reportSecurityEvent("password_reset_requested", ctx, {
              account: accountOf(secret, ctx.body),
            });
          }),
        },
      ],
    },
  };
}
