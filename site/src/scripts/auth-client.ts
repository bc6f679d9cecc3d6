/**
 * Better Auth's framework-free client. Only pages that sign in, sign up, sign out or delete an
 * account load it (about 31 kB minified, 12 kB gzip); the tasks page only needs a token.
 */
import { createAuthClient } from "better-auth/client";

export const authClient = createAuthClient({ baseURL: window.location.origin });

export interface AuthFailure {
  status: number;
  code?: string | undefined;
  message?: string | undefined;
  /** Seconds from Better Auth's X-Retry-After header on 429. */
  retryAfterSeconds?: number | undefined;
}

export type AuthResult<T> = { ok: true; data: T } | { ok: false; failure: AuthFailure };

interface ClientError {
  status: number;
  code?: string | undefined;
  message?: string | undefined;
}

/**
 * Runs one Better Auth client call and turns its `{ data, error }` answer, a thrown network
 * error and the 429 retry hint into one result type.
 */
export async function callAuth<T>(
  run: (fetchOptions: { onError: (context: { response: Response }) => void }) => Promise<{
    data: T | null;
    error: ClientError | null;
  }>,
): Promise<AuthResult<T>> {
  let retryAfterSeconds: number | undefined;
  const onError = (context: { response: Response }) => {
    const header = context.response.headers.get("x-retry-after");
    const seconds = header === null ? Number.NaN : Number.parseInt(header, 10);
    if (Number.isFinite(seconds)) retryAfterSeconds = seconds;
  };
  try {
    const { data, error } = await run({ onError });
    if (error) {
      return {
        ok: false,
        failure: {
          status: error.status,
          code: error.code,
          message: error.message,
          retryAfterSeconds,
        },
      };
    }
    return { ok: true, data: data as T };
  } catch {
    return { ok: false, failure: { status: 0 } };
  }
}
