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

  it("documents exactly the API routes of the route table", () => {
    const documented = Object.entries(served.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = ROUTES.filter((route) => route.function === "api").map((route) => route.key);
    expect(documented.sort()).toEqual(routed.sort());
  });

  it("puts the bearer security scheme on every JWT route and on no public one", () => {
    expect(served.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    for (const route of ROUTES.filter((candidate) => candidate.function === "api")) {
      const [method = "", path = ""] = route.key.split(" ");
      const operation = served.paths[path]?.[method.toLowerCase()];
      if (route.auth === "jwt")
        expect(operation?.security, route.key).toEqual([{ bearerAuth: [] }]);
      else expect(operation?.security, route.key).toBeUndefined();
    }
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
