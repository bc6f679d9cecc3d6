import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AUTH_BASE_PATH,
  type Auth,
  CLIENT_IP_HEADER,
  createAuth,
} from "../../functions/auth/create-auth";
import { openDatabase } from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";

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
  const audience = `${origin}/api`;
  auth = createAuth({
    db: database.db,
    secret: randomBytes(32).toString("base64url"),
    baseURL: origin,
    trustedOrigins: [origin],
    issuer,
    audience,
    rateLimit: { enabled: false },
  });

  const headers = { origin, "content-type": "application/json", [CLIENT_IP_HEADER]: "127.0.0.1" };
  const signUp = await auth.handler(
    new Request(`${origin}${AUTH_BASE_PATH}/sign-up/email`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        email: `bench-${randomBytes(4).toString("hex")}@bench.example.com`,
        password: randomBytes(12).toString("base64url"),
        name: "Bench user",
      }),
    }),
  );
  if (signUp.status !== 200) throw new Error(`bench sign-up answered ${signUp.status}`);
  const cookie = signUp.headers
    .getSetCookie()
    .map((value) => value.split(";")[0] ?? "")
    .join("; ");
  const tokenResponse = await auth.handler(
    new Request(`${origin}${AUTH_BASE_PATH}/token`, { headers: { ...headers, cookie } }),
  );
  const { token } = (await tokenResponse.json()) as { token?: unknown };
  if (typeof token !== "string")
    throw new Error(`bench token request answered ${tokenResponse.status}`);

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
