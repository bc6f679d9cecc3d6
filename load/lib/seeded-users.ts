/**
 * What the k6 scripts read besides HTTP answers, kept free of k6 modules so Node tests check it:
 * the users file `npm run load:seed` writes, and the verification link in a local inbox message.
 */

/** One entry of K6_USERS_FILE. */
export interface SeededUser {
  email: string;
  password: string;
}

/** The `{ "users": [{ "email", "password" }] }` document of K6_USERS_FILE; throws if it lists none. */
export function parseUsersFile(text: string, path: string): SeededUser[] {
  const parsed = JSON.parse(text) as { users?: unknown } | null;
  const entries: unknown[] = Array.isArray(parsed?.users) ? parsed.users : [];
  const users = entries.filter(
    (entry): entry is SeededUser =>
      typeof (entry as SeededUser | null)?.email === "string" &&
      typeof (entry as SeededUser | null)?.password === "string",
  );
  if (users.length === 0) throw new Error(`K6_USERS_FILE ${path} lists no users`);
  return users.map(({ email, password }) => ({ email, password }));
}

/** The token of the verification link in a mail's text (`${origin}/verify-email?token=…`). */
export function verificationTokenIn(text: string): string | undefined {
  return /\/verify-email\?token=([\w.~%-]+)/.exec(text)?.[1];
}
