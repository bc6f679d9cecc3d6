import { OpenAPIHono } from "@hono/zod-openapi";
import { AUTH_ROUTES, SESSION_COOKIE_SCHEME } from "./openapi-auth-routes";
import { BEARER_SECURITY_SCHEME, TASKS_API_ROUTES } from "./task-routes";

const DESCRIPTION = `Per-user task CRUD behind a JWT authorizer, and the auth endpoints a client needs to get a token.

To call the tasks API: sign up (POST /api/auth/sign-up/email, with a \`name\`), follow the link mailed to the address (GET /api/auth/verify-email), sign in (POST /api/auth/sign-in/email) to get the session cookie, exchange it for a 15-minute bearer token (GET /api/auth/token), and send \`Authorization: Bearer <token>\` to /api/tasks.

Errors come in three shapes, each from its own layer:
- \`GatewayError\` \`{"message"}\` from API Gateway (and the edge), before any function runs: 401 without a bearer token, 403 when the authorizer refuses it, 413 over 10 MiB, 429 when throttled, 500/503 when a function fails or times out.
- \`AuthError\` \`{"message","code"}\` from Better Auth on /api/auth/*.
- \`Error\` \`{"error":{"code","message","details"?}}\` from the tasks API itself.`;

/**
 * The OpenAPI 3.1 document, built from the same route definitions the app validates with. A pure
 * function: the committed specs/ copy, the site's generated types and the served document all come
 * from it.
 */
export function buildOpenApiDocument() {
  const { openAPIRegistry: registry, getOpenAPI31Document } = new OpenAPIHono();
  registry.registerComponent("securitySchemes", BEARER_SECURITY_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A short-lived EdDSA JWT from GET /api/auth/token, verified by the API Gateway authorizer.",
  });
  registry.registerComponent("securitySchemes", SESSION_COOKIE_SCHEME, {
    type: "apiKey",
    in: "cookie",
    name: "better-auth.session_token",
    description:
      "Better Auth's HttpOnly session cookie, set by sign-in and by the confirmation link (`__Secure-better-auth.session_token` on https stages).",
  });
  for (const route of [...AUTH_ROUTES, ...TASKS_API_ROUTES]) registry.registerPath(route);
  return getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Tasks API", version: "1.0.0", description: DESCRIPTION },
    servers: [
      {
        url: "/",
        description:
          "The origin that serves the site and this document: http://127.0.0.1:3000 under `npm start`, the stage's SiteUrl when deployed.",
      },
    ],
    tags: [
      { name: "auth", description: "Better Auth, served by the auth function under /api/auth." },
      { name: "tasks", description: "The caller's tasks; the user id comes from the token only." },
      { name: "operations", description: "Public endpoints for operators and tooling." },
    ],
  });
}
