import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { betterAuth } from "better-auth/minimal";
import { jwt } from "better-auth/plugins/jwt";
import { eq } from "drizzle-orm";
import type { Database } from "../db/database";
import { account, jwks, rateLimit, session, user, verification } from "../db/schema";
import type { MailSender } from "../mail/mail-port";
import type { TokenPayload } from "../shared/access-token";
import { CLIENT_IP_HEADER } from "../shared/client-address";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../shared/profile-limits";
import { accountLockout, clearAccountLockout } from "./account-lockout";
import { createAccountMail } from "./account-mail";
import { composeBeforeHooks } from "./auth-hooks";
import { logBetterAuth } from "./better-auth-log";
import { requirePasswordToDeleteAccount } from "./delete-account-hook";
import { refuseWeakPasswords } from "./password-strength-hook";
import { boundProfileFields } from "./profile-fields";
import { RESPONSE_FLOOR_MS, withResponseFloor } from "./response-floor";
import { lockoutEvents, reportPasswordReset, securityEvents } from "./security-events";
import { singleUseVerificationLinks } from "./single-use-verification-hook";

/** Better Auth is mounted here on the shared origin (CloudFront forwards /api/* to the HTTP API). */
export const AUTH_BASE_PATH = "/api/auth";

/** Access tokens live 15 minutes; the authorizer checks `exp`, so this bounds a stolen token. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** A new signing key is minted on the first token request after the current one is this old. */
export const SIGNING_KEY_ROTATION_SECONDS = 30 * 24 * 60 * 60;

/**
 * How long a retired key stays in the JWKS. It must outlast every token the key signed
 * (15 min) plus the authorizer's answer cache (60 s) and clock skew; an hour leaves a wide margin.
 */
export const SIGNING_KEY_GRACE_SECONDS = 60 * 60;

/** Better Auth takes the client address only from this header, which the Lambda always sets. */
export { CLIENT_IP_HEADER, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

/** A fixed window: at most `max` requests per client IP and path in `window` seconds. */
export interface RateLimitRule {
  window: number;
  max: number;
}

export interface RateLimitSettings {
  /** false only for load tests against a local stack (AUTH_RATE_LIMIT=off). */
  enabled: boolean;
}

/** Every other auth path: generous, it only stops floods. */
export const DEFAULT_RATE_LIMIT: RateLimitRule = { window: 60, max: 100 };

/** Every password check (password-limits.test.ts finds them), sign-up and the reset pair. */
export const STRICT_RATE_LIMITS: Readonly<Record<string, RateLimitRule>> = {
  "/sign-in/email": { window: 60, max: 10 },
  "/sign-up/email": { window: 60, max: 5 },
  "/verify-password": { window: 60, max: 5 },
  "/change-password": { window: 60, max: 5 },
  "/delete-user": { window: 60, max: 5 },
  "/reset-password": { window: 60, max: 5 },
  "/request-password-reset": { window: 60, max: 3 },
  "/send-verification-email": { window: 60, max: 3 },
  "/verify-email": { window: 60, max: 10 },
  "/change-email": { window: 60, max: 3 },
};

/** A verification link (sign-up, resend, change of address) works for a day. */
export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;

/** A reset link works for an hour. */
export const PASSWORD_RESET_TTL_SECONDS = 60 * 60;

/** Answers that would otherwise take longer for an address with an account (response-floor.ts). */
export const FLOORED_PATHS: readonly string[] = [
  "/request-password-reset",
  "/send-verification-email",
];

/** The authorizer's JWKS fetch must never starve; API Gateway's throttle still bounds floods. */
export const RATE_LIMIT_EXEMPT_PATHS: readonly string[] = ["/jwks"];

export interface AuthSettings {
  db: Database;
  /** BETTER_AUTH_SECRET: signs cookies and encrypts the stored private signing keys. */
  secret: string;
  /** The public origin of site and API, e.g. https://dxxxx.cloudfront.net. */
  baseURL: string;
  /** Origins allowed to call state-changing endpoints with the session cookie (the site origin). */
  trustedOrigins: string[];
  /** `iss` of every access token (the public origin). */
  issuer: string;
  /** `aud` of every access token (`${origin}/api`). */
  audience: string;
  /** Limits are on unless explicitly disabled. */
  rateLimit?: RateLimitSettings;
  /** Where account mail goes: Amazon SES deployed, the local outbox under npm start and in tests. */
  mail: MailSender;
  /** Sign-in needs a verified address unless this is false (EMAIL_VERIFICATION=off). */
  emailVerification?: boolean;
}

/** Better Auth only warns about short secrets; a template should refuse them. */
export const SECRET_MIN_LENGTH = 32;

export function createAuth(settings: AuthSettings) {
  if (settings.secret.length < SECRET_MIN_LENGTH) {
    throw new Error(`BETTER_AUTH_SECRET must be at least ${SECRET_MIN_LENGTH} characters`);
  }
  const secureCookies = new URL(settings.baseURL).protocol === "https:";
  const verifyEmail = settings.emailVerification ?? true;
  const { db, secret } = settings;
  const mail = createAccountMail({
    sender: settings.mail,
    origin: new URL(settings.baseURL).origin,
    verificationExpiresInSeconds: EMAIL_VERIFICATION_TTL_SECONDS,
    resetExpiresInSeconds: PASSWORD_RESET_TTL_SECONDS,
  });
  const auth = betterAuth({
    appName: "auth-jwt-bridge",
    secret: settings.secret,
    baseURL: settings.baseURL,
    basePath: AUTH_BASE_PATH,
    trustedOrigins: settings.trustedOrigins,
    database: drizzleAdapter(settings.db, {
      provider: "pg",
      schema: { user, session, account, verification, jwks, rateLimit },
      // Sign-up writes the user and the credential account in one transaction.
      transaction: true,
    }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      autoSignIn: true,
      // With verification on, a sign-up gives no session and a taken address answers as a new one.
      requireEmailVerification: verifyEmail,
      ...(verifyEmail ? { onExistingUserSignUp: mail.onExistingUserSignUp } : {}),
      sendResetPassword: mail.sendResetPassword,
      resetPasswordTokenExpiresIn: PASSWORD_RESET_TTL_SECONDS,
      revokeSessionsOnPasswordReset: true,
      // A reset proves the mailbox: the per-account lock goes, and the address counts as verified.
      onPasswordReset: async ({ user: owner }, request) => {
        reportPasswordReset(owner.id, request);
        await clearAccountLockout(db, secret, owner.email);
        if (!owner.emailVerified) {
          await db.update(user).set({ emailVerified: true }).where(eq(user.id, owner.id));
        }
      },
    },
    emailVerification: {
      sendOnSignUp: verifyEmail,
      // The resend endpoint (rate-limited) sends again; a sign-in attempt does not mail anyone.
      sendOnSignIn: false,
      autoSignInAfterVerification: true,
      expiresIn: EMAIL_VERIFICATION_TTL_SECONDS,
      sendVerificationEmail: mail.sendVerificationEmail,
    },
    user: { deleteUser: { enabled: true }, changeEmail: { enabled: true } },
    rateLimit: {
      enabled: settings.rateLimit?.enabled ?? true,
      // Lambda instances share no memory: counters live in Postgres.
      storage: "database",
      window: DEFAULT_RATE_LIMIT.window,
      max: DEFAULT_RATE_LIMIT.max,
      customRules: {
        ...STRICT_RATE_LIMITS,
        ...Object.fromEntries(RATE_LIMIT_EXEMPT_PATHS.map((path) => [path, false as const])),
      },
    },
    advanced: {
      useSecureCookies: secureCookies,
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // Explicit, because Better Auth skips both checks when NODE_ENV is "test".
      disableOriginCheck: false,
      disableCSRFCheck: false,
    },
    hooks: {
      // In order; each entry names the paths it guards.
      before: composeBeforeHooks([
        boundProfileFields,
        requirePasswordToDeleteAccount,
        ...refuseWeakPasswords,
        singleUseVerificationLinks,
      ]),
    },
    // Unexpected errors propagate to the Lambda wrapper, which logs them without SQL or
    // parameters and answers a generic 500 (Better Auth would print them to the console).
    onAPIError: { throw: true },
    telemetry: { enabled: false },
    logger: { log: logBetterAuth },
    plugins: [
      // Per-account lockout; off only with every other limit (local load tests).
      ...(settings.rateLimit?.enabled === false
        ? []
        : [accountLockout({ db, secret }, lockoutEvents(secret))]),
      securityEvents({ secret }),
      jwt({
        jwks: {
          keyPairConfig: { alg: "EdDSA", crv: "Ed25519" },
          rotationInterval: SIGNING_KEY_ROTATION_SECONDS,
          gracePeriod: SIGNING_KEY_GRACE_SECONDS,
        },
        jwt: {
          issuer: settings.issuer,
          audience: settings.audience,
          expirationTime: `${ACCESS_TOKEN_TTL_SECONDS}s`,
          // Better Auth sets `sub` to the user id itself; the site shows e-mail and name, and the
          // tasks API refuses the token once its session (`sid`) is signed out or expired.
          definePayload: ({ user, session }): TokenPayload => ({
            email: user.email,
            name: user.name,
            sid: session.id,
          }),
        },
      }),
    ],
  });
  return withResponseFloor(
    auth,
    FLOORED_PATHS.map((path) => `${AUTH_BASE_PATH}${path}`),
    RESPONSE_FLOOR_MS,
  );
}

export type Auth = ReturnType<typeof createAuth>;
