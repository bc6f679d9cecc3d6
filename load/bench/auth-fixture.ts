import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AUTH_BASE_PATH, type Auth, createAuth } from "../../functions/auth/create-auth";
import { openDatabase } from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";
import { apiAudience } from "../../functions/shared/settings";
import {
  accessToken,
  authCaller,
  signUp,
  testAuthSettings,
  uniqueEmail,
} from "../../infra/testing/auth";

/**
 * A real Better Auth instance (the project's createAuth) on an in-memory PGlite, one signed-up
 * user with a genuine access token, and a loopback HTTP server publishing its JWKS: the token and
 * keys the verification benchmarks work on, exactly as production mints and publishes them.
 */
export interface AuthFixture {
  origin: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** A fresh access token of the fixture's user. */
  token: string;
  close(): Promise<void>;
}

export async function startAuthFixture(): Promise<AuthFixture> {
  const database = await openDatabase({ url: "memory:" });
  await runMigrations(database.db);

  let auth: Auth | undefined;
  // The server listens first: its port is part of the origin, which is the token issuer.
  const server = createServer((request, response) => {
    if (!auth || request.method !== "GET") {
      response.writeHead(405).end();
      return;
    }
    const target = auth;
    void (async () => {
      const answer = await target.handler(new Request(`${origin}${request.url ?? "/"}`));
      response.writeHead(answer.status, Object.fromEntries(answer.headers));
      response.end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = origin;
  const audience = apiAudience(origin);
  auth = createAuth(
    testAuthSettings(database.db, {
      baseURL: origin,
      trustedOrigins: [origin],
      issuer,
      audience,
      rateLimit: { enabled: false },
    }),
  );
  const call = authCaller(auth, "handler", origin);
  const user = await signUp(call, uniqueEmail("bench"), randomBytes(12).toString("base64url"));
  const token = await accessToken(call, user.cookie);

  return {
    origin,
    issuer,
    audience,
    jwksUrl: `${origin}${AUTH_BASE_PATH}/jwks`,
    token,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}
