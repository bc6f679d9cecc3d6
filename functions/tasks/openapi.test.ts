import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROUTES } from "../../infra/routes";
import { useTestDatabase } from "../../infra/testing/database-suite";
import { createGatewayClient } from "../../infra/testing/tasks-client";
import { buildOpenApiDocument } from "./openapi-document";
import { OPENAPI_YAML_PATH, renderOpenApiYaml } from "./openapi-yaml";

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, Record<string, unknown>>;
  };
}

describe("the tasks API's OpenAPI document", () => {
  const call = createGatewayClient(useTestDatabase("pglite", { migrate: false }));
  let served: Document;

  beforeAll(async () => {
    const response = await call("GET", "/api/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    served = (await response.json()) as Document;
  });

  it("is served publicly as OpenAPI 3.1", () => {
    expect(served.openapi).toBe("3.1.0");
    // 3.1 spells nullability as a type list; the 3.0 `nullable` keyword must not appear.
    expect(JSON.stringify(served)).not.toContain('"nullable"');
    expect(served.components.schemas.Task?.properties).toMatchObject({
      description: { type: ["string", "null"] },
    });
  });

  it("documents exactly the API routes of the route table, and auth paths only under the auth route", () => {
    const documented = Object.entries(served.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const isAuthPath = (key: string) => key.split(" ")[1]?.startsWith("/api/auth/") ?? false;
    const routed = ROUTES.filter((route) => route.function === "api").map((route) => route.key);
    expect(documented.filter((key) => !isAuthPath(key)).sort()).toEqual(routed.sort());
    expect(ROUTES).toContainEqual({
      key: "ANY /api/auth/{proxy+}",
      function: "auth",
      auth: "none",
    });
    expect(documented.filter(isAuthPath).sort()).toEqual([
      "GET /api/auth/jwks",
      "GET /api/auth/token",
      "GET /api/auth/verify-email",
      "POST /api/auth/sign-in/email",
      "POST /api/auth/sign-up/email",
    ]);
  });

  it("puts the bearer security scheme on every JWT route and an explicit empty list on public ones", () => {
    expect(served.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    for (const route of ROUTES.filter((candidate) => candidate.function === "api")) {
      const [method = "", path = ""] = route.key.split(" ");
      const operation = served.paths[path]?.[method.toLowerCase()];
      expect(operation?.security, route.key).toEqual(
        route.auth === "jwt" ? [{ bearerAuth: [] }] : [],
      );
    }
    expect(served.paths["/api/auth/token"]?.get?.security).toEqual([{ sessionCookie: [] }]);
    expect(served.paths["/api/auth/sign-up/email"]?.post?.security).toEqual([]);
  });

  it("asks for a name at sign-up", () => {
    expect(served.components.schemas.SignUp).toMatchObject({
      required: expect.arrayContaining(["name", "email", "password"]),
      properties: { name: { minLength: 1, maxLength: 100 } },
    });
  });

  it("names the layer behind each error shape: gateway, Better Auth, the API's envelope", () => {
    const { schemas } = served.components;
    expect(schemas.GatewayError).toMatchObject({ required: ["message"] });
    expect(schemas.AuthError).toMatchObject({ required: ["message"] });
    const schemaOf = (path: string, method: string, status: string) =>
      JSON.stringify(served.paths[path]?.[method]?.responses[status]);
    expect(schemaOf("/api/tasks", "get", "401")).toContain("#/components/schemas/GatewayError");
    expect(schemaOf("/api/tasks", "get", "401")).toContain("#/components/schemas/Error");
    expect(schemaOf("/api/tasks", "get", "403")).toContain("#/components/schemas/GatewayError");
    expect(schemaOf("/api/health", "get", "429")).toContain("#/components/schemas/GatewayError");
    expect(schemaOf("/api/auth/sign-in/email", "post", "401")).toContain(
      "#/components/schemas/AuthError",
    );
  });

  it("describes the strict bodies and the error envelope", () => {
    const { schemas } = served.components;
    expect(schemas.CreateTask).toMatchObject({
      additionalProperties: false,
      required: ["title"],
      properties: { title: { minLength: 1, maxLength: 200 }, description: { maxLength: 2000 } },
    });
    expect(schemas.UpdateTask).toMatchObject({ additionalProperties: false, minProperties: 1 });
    expect(schemas.Error).toMatchObject({ required: ["error"] });
    expect(served.paths["/api/tasks"]?.post?.responses).toHaveProperty("413");
    expect(served.paths["/api/tasks/{id}"]?.get?.responses).toHaveProperty("404");
  });

  it("is the document the route schemas generate", () => {
    expect(served).toEqual(buildOpenApiDocument());
  });

  it("matches the committed contracts/openapi.yaml (run `npm run openapi:generate` after changing a route)", async () => {
    const committed = await readFile(
      resolve(import.meta.dirname, "../..", OPENAPI_YAML_PATH),
      "utf8",
    );
    expect(committed).toBe(renderOpenApiYaml());
    expect(parse(committed)).toEqual(served);
  });
});
