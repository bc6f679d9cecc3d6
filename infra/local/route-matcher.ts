/**
 * Route selection as API Gateway HTTP API does it: a concrete method beats ANY, and among paths
 * the most specific wins (literal segments over `{param}`, `{param}` over a greedy `{proxy+}`).
 */
/** Anything with an API Gateway route key, e.g. "GET /api/tasks/{id}". */
export interface KeyedRoute {
  key: string;
}

export interface RouteMatch<R extends KeyedRoute> {
  route: R;
  pathParameters: Record<string, string>;
}

interface CompiledRoute<R> {
  route: R;
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  /** Per path segment: 2 literal, 1 `{param}`, 0 `{proxy+}`; compared left to right. */
  specificity: number[];
}

const PARAMETER = /^\{([A-Za-z0-9_]+)(\+?)\}$/;

function compile<R extends KeyedRoute>(route: R): CompiledRoute<R> {
  const [method, path] = route.key.split(" ");
  if (!method || !path?.startsWith("/")) throw new Error(`invalid route key: ${route.key}`);
  const parameterNames: string[] = [];
  const specificity: number[] = [];
  const segments = path
    .split("/")
    .slice(1)
    .map((segment, index, all) => {
      const parameter = PARAMETER.exec(segment);
      if (!parameter) {
        specificity.push(2);
        return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      }
      const [, name = "", greedy] = parameter;
      parameterNames.push(name);
      if (greedy) {
        if (index !== all.length - 1)
          throw new Error(`greedy parameter must be last: ${route.key}`);
        specificity.push(0);
        return "/(.+)";
      }
      specificity.push(1);
      return "/([^/]+)";
    });
  return {
    route,
    method: method.toUpperCase(),
    pattern: new RegExp(`^${segments.join("")}$`),
    parameterNames,
    specificity,
  };
}

function compareSpecificity<R>(a: CompiledRoute<R>, b: CompiledRoute<R>): number {
  for (let i = 0; i < Math.max(a.specificity.length, b.specificity.length); i += 1) {
    const difference = (b.specificity[i] ?? -1) - (a.specificity[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return Number(a.method === "ANY") - Number(b.method === "ANY");
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function createRouteMatcher<R extends KeyedRoute>(
  routes: readonly R[],
): (method: string, path: string) => RouteMatch<R> | undefined {
  const compiled = routes.map(compile).sort(compareSpecificity);
  return (method, path) => {
    const upper = method.toUpperCase();
    for (const candidate of compiled) {
      if (candidate.method !== "ANY" && candidate.method !== upper) continue;
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      candidate.parameterNames.forEach((name, index) => {
        pathParameters[name] = decode(found[index + 1] ?? "");
      });
      return { route: candidate.route, pathParameters };
    }
    return undefined;
  };
}
