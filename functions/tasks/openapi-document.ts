import { OpenAPIHono } from "@hono/zod-openapi";
import { BEARER_SECURITY_SCHEME, TASKS_API_ROUTES } from "./task-routes";

/** The OpenAPI 3.1 document, built from the same route definitions the app validates with. */
export function buildOpenApiDocument() {
  const { openAPIRegistry: registry, getOpenAPI31Document } = new OpenAPIHono();
  registry.registerComponent("securitySchemes", BEARER_SECURITY_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A short-lived EdDSA JWT issued by the auth function (Better Auth), verified by the API Gateway authorizer.",
  });
  for (const route of TASKS_API_ROUTES) registry.registerPath(route);
  return getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Tasks API",
      version: "1.0.0",
      description:
        "Per-user task CRUD behind a JWT authorizer. Every error uses the envelope { error: { code, message, details? } }.",
    },
    tags: [
      { name: "tasks", description: "The caller's tasks; the user id comes from the token only." },
      { name: "operations", description: "Public endpoints for operators and tooling." },
    ],
  });
}
