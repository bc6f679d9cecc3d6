/**
 * The dependency graph CloudFormation derives from a template: an edge A → B for every `Ref`,
 * `Fn::GetAtt`, `${B}`/`${B.Attr}` in `Fn::Sub` and `DependsOn` inside resource A. A cycle here is
 * exactly what makes CloudFormation reject a template ("Circular dependency between resources").
 */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export type DependencyGraph = Map<string, Set<string>>;

export function dependencyGraph(resources: Record<string, CfnResource>): DependencyGraph {
  const graph: DependencyGraph = new Map();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = new Set<string>();
    collectReferences(resource.Properties, targets);
    const dependsOn = resource.DependsOn;
    for (const target of Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []) {
      targets.add(target);
    }
    graph.set(id, new Set([...targets].filter((target) => target in resources && target !== id)));
  }
  return graph;
}

/** One cycle as a path of logical ids (first = last), or undefined when the graph is acyclic. */
export function findCycle(graph: DependencyGraph): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "visiting") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "visiting");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every resource `from` depends on, directly or not. */
export function transitiveDependencies(graph: DependencyGraph, from: string): Set<string> {
  const seen = new Set<string>();
  const pending = [...(graph.get(from) ?? [])];
  while (pending.length) {
    const next = pending.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(graph.get(next) ?? []));
  }
  return seen;
}

function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === "Ref" && typeof inner === "string") into.add(inner);
    else if (key === "Fn::GetAtt") {
      const target = Array.isArray(inner) ? inner[0] : String(inner).split(".")[0];
      if (typeof target === "string") into.add(target);
    } else if (key === "Fn::Sub") {
      const text = Array.isArray(inner) ? inner[0] : inner;
      if (typeof text === "string") {
        for (const match of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) {
          into.add(match[1] as string);
        }
      }
      if (Array.isArray(inner)) collectReferences(inner[1], into);
    } else collectReferences(inner, into);
  }
}
