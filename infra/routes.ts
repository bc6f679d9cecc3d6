/**
 * The route table, defined once: the SST stack (infra/app-stack.ts) and the local gateway
 * (infra/local/gateway.ts) both read it, so local and deployed routing cannot drift. The
 * functions themselves never see it.
 */
export type FunctionName = "auth" | "api";
export type RouteAuth = "none" | "jwt";

export interface RouteDefinition {
  /** API Gateway route key, e.g. "GET /api/tasks/{id}". */
  key: string;
  function: FunctionName;
  auth: RouteAuth;
}

export const ROUTES: readonly RouteDefinition[] = [
  { key: "ANY /api/auth/{proxy+}", function: "auth", auth: "none" },
  { key: "GET /api/health", function: "api", auth: "none" },
  { key: "GET /api/openapi.json", function: "api", auth: "none" },
  { key: "GET /api/tasks", function: "api", auth: "jwt" },
  { key: "POST /api/tasks", function: "api", auth: "jwt" },
  { key: "GET /api/tasks/{id}", function: "api", auth: "jwt" },
  { key: "PATCH /api/tasks/{id}", function: "api", auth: "jwt" },
  { key: "DELETE /api/tasks/{id}", function: "api", auth: "jwt" },
];
