import { randomBytes } from "node:crypto";
import { type Auth, createAuth } from "../../functions/auth/create-auth";
import type { Database } from "../../functions/db/database";
import { apiAudience } from "../../functions/shared/settings";

/**
 * Verified load-test users for a stage without a mailbox (a deployed one): written through Better
 * Auth's own server-side adapter and password hasher, exactly as sign-up writes them, but already
 * verified and without sending any mail (SES would bounce mail to made-up addresses).
 */
export interface SeedSettings {
  db: Database;
  /** The stage's BETTER_AUTH_SECRET (Better Auth refuses to start without it). */
  secret: string;
  /** The stage's public origin, e.g. https://dxxxx.cloudfront.net. */
  origin: string;
  count: number;
  /** Keeps the e-mails of one seeding apart from another's. */
  runId?: string;
}

export interface SeededLoadUser {
  email: string;
  password: string;
}

/** The domain of every seeded address (reserved for documentation, RFC 2606: no mail reaches it). */
export const SEED_EMAIL_DOMAIN = "load-test.example.com";

export function seedAuth({ db, secret, origin }: Omit<SeedSettings, "count">): Auth {
  return createAuth({
    db,
    secret,
    baseURL: origin,
    trustedOrigins: [origin],
    issuer: origin,
    audience: apiAudience(origin),
  });
}

export async function seedLoadUsers(settings: SeedSettings): Promise<SeededLoadUser[]> {
  const context = await seedAuth(settings).$context;
  const runId = settings.runId ?? randomBytes(4).toString("hex");
  const users: SeededLoadUser[] = [];
  for (let index = 0; index < settings.count; index += 1) {
    const email = `k6-seed-${runId}-${index}@${SEED_EMAIL_DOMAIN}`;
    const password = randomBytes(18).toString("base64url");
    const hash = await context.password.hash(password);
    const created = await context.internalAdapter.createUser({
      email,
      name: `k6 seeded user ${index}`,
      emailVerified: true,
    });
    await context.internalAdapter.linkAccount({
      userId: created.id,
      providerId: "credential",
      accountId: created.id,
      password: hash,
    });
    users.push({ email, password });
  }
  return users;
}
