import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

import { TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "../shared/task-limits";

/** Task limits, shared by the CHECK constraints here, the API schemas and the site. */
export { TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "../shared/task-limits";

// Millisecond precision so a JavaScript Date round-trips exactly (the list cursor relies on it).
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
};

export const user = pgTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  ...timestamps,
});

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    token: text("token").notNull().unique(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    ...timestamps,
  },
  (table) => [index("session_user_id_idx").on(table.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", {
      withTimezone: true,
      precision: 3,
    }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", {
      withTimezone: true,
      precision: 3,
    }),
    scope: text("scope"),
    password: text("password"),
    ...timestamps,
  },
  (table) => [index("account_user_id_idx").on(table.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    ...timestamps,
  },
  (table) => [index("verification_identifier_idx").on(table.identifier)],
);

/** Signing keys of Better Auth's jwt plugin; private keys are encrypted with BETTER_AUTH_SECRET. */
export const jwks = pgTable("jwks", {
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  privateKey: text("private_key").notNull(),
  alg: text("alg"),
  crv: text("crv"),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }),
});

/** Better Auth's rate-limit counters: in the database because Lambda instances share no memory. */
export const rateLimit = pgTable("rate_limit", {
  id: text("id").primaryKey(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

/**
 * Failed sign-ins per account, shared by every Lambda instance. `key` is an HMAC of the
 * normalised e-mail (functions/auth/account-lockout.ts), so the table never holds an address.
 */
export const signInFailure = pgTable(
  "sign_in_failure",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    windowStartedAt: timestamp("window_started_at", { withTimezone: true, precision: 3 }).notNull(),
    lockedUntil: timestamp("locked_until", { withTimezone: true, precision: 3 }),
  },
  (table) => [
    // Serves the pruning of expired counters, which are selected by the start of their window.
    index("sign_in_failure_window_started_at_idx").on(table.windowStartedAt),
    check("sign_in_failure_failures_positive", sql`${table.failures} > 0`),
  ],
);

export const task = pgTable(
  "task",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description"),
    completed: boolean("completed").notNull().default(false),
    ...timestamps,
  },
  (table) => [
    // Serves "this user's tasks, newest first, paged by (created_at, id)".
    index("task_user_created_idx").on(table.userId, table.createdAt.desc(), table.id.desc()),
    check(
      "task_title_trimmed_length",
      sql`${table.title} = btrim(${table.title}) and char_length(${table.title}) between 1 and ${sql.raw(String(TASK_TITLE_MAX))}`,
    ),
    check(
      "task_description_length",
      sql`${table.description} is null or char_length(${table.description}) <= ${sql.raw(String(TASK_DESCRIPTION_MAX))}`,
    ),
  ],
);

export const schema = {
  user,
  session,
  account,
  verification,
  jwks,
  rateLimit,
  signInFailure,
  task,
};
export type Schema = typeof schema;
export type TaskRow = typeof task.$inferSelect;
