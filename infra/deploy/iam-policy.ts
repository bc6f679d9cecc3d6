/**
 * Just enough of IAM's policy language to check the deploy role's policy in a test: the document
 * shape, and whether an identity policy allows one action on one resource. Supports what our
 * policies use (Allow/Deny, Action, Resource, `*`/`?` wildcards, StringEquals/StringLike);
 * anything else makes `validatePolicy` complain instead of being silently misread.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "Resource", "Principal", "Condition"]);
const CONDITION_OPERATORS = new Set(["StringEquals", "StringLike"]);
// IAM's grammar: a service prefix, a colon, an action name that may use wildcards.
const ACTION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

/** Problems with a policy document's shape, empty when it is a valid document we can evaluate. */
export function validatePolicy(document: unknown, kind: "identity" | "trust"): string[] {
  const problems: string[] = [];
  if (!isRecord(document)) return ["the policy is not a JSON object"];
  if (document.Version !== "2012-10-17") problems.push('Version must be "2012-10-17"');
  const keys = Object.keys(document).filter((key) => key !== "Version" && key !== "Statement");
  if (keys.length) problems.push(`unexpected top-level keys: ${keys.join(", ")}`);
  if (!Array.isArray(document.Statement) || document.Statement.length === 0)
    return [...problems, "Statement must be a non-empty array"];
  const sids = new Set<string>();
  document.Statement.forEach((statement: unknown, index) => {
    const at = `Statement[${index}]`;
    if (!isRecord(statement)) {
      problems.push(`${at} is not an object`);
      return;
    }
    for (const key of Object.keys(statement))
      if (!STATEMENT_KEYS.has(key)) problems.push(`${at} has unsupported key ${key}`);
    const sid = statement.Sid;
    if (typeof sid !== "string" || !/^[A-Za-z0-9]+$/.test(sid))
      problems.push(`${at} needs a Sid of letters and digits (IAM's rule) saying what it is for`);
    else if (sids.has(sid)) problems.push(`${at} repeats Sid ${sid}`);
    else sids.add(sid);
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny")
      problems.push(`${at} Effect must be Allow or Deny`);
    const actions = stringList(statement.Action);
    if (!actions?.length)
      problems.push(`${at} Action must be a string or a non-empty string array`);
    for (const action of actions ?? [])
      if (!ACTION_PATTERN.test(action)) problems.push(`${at} has a malformed action ${action}`);
    if (kind === "identity") {
      if (!stringList(statement.Resource)?.length)
        problems.push(`${at} Resource must be a string or a non-empty string array`);
      if ("Principal" in statement) problems.push(`${at}: an identity policy has no Principal`);
    } else {
      if (!isRecord(statement.Principal)) problems.push(`${at}: a trust policy needs a Principal`);
      if ("Resource" in statement) problems.push(`${at}: a trust policy has no Resource`);
    }
    if (statement.Condition !== undefined) {
      if (!isRecord(statement.Condition)) problems.push(`${at} Condition must be an object`);
      else
        for (const [operator, entries] of Object.entries(statement.Condition)) {
          if (!CONDITION_OPERATORS.has(operator))
            problems.push(
              `${at} uses condition operator ${operator}, which this checker cannot evaluate`,
            );
          if (!isRecord(entries) || !Object.values(entries).every((v) => stringList(v)?.length))
            problems.push(`${at} Condition ${operator} must map keys to strings`);
        }
    }
  });
  return problems;
}

export interface AccessRequest {
  action: string;
  resource: string;
  /** Request context keys, e.g. `iam:PassedToService`. */
  context?: Record<string, string>;
}

/** The statements that allow a request, or an empty list when it is not allowed (or denied). */
export function allowingStatements(
  policy: PolicyDocument,
  request: AccessRequest,
): PolicyStatement[] {
  const matching = policy.Statement.filter((statement) => matches(statement, request));
  if (matching.some((statement) => statement.Effect === "Deny")) return [];
  return matching;
}

export function isAllowed(policy: PolicyDocument, request: AccessRequest): boolean {
  return allowingStatements(policy, request).length > 0;
}

function matches(statement: PolicyStatement, request: AccessRequest): boolean {
  // Action names are case-insensitive in IAM; resource ARNs are not.
  const actionMatches = asList(statement.Action).some((pattern) =>
    wildcard(pattern.toLowerCase()).test(request.action.toLowerCase()),
  );
  const resourceMatches = asList(statement.Resource ?? []).some((pattern) =>
    wildcard(pattern).test(request.resource),
  );
  return (
    actionMatches && resourceMatches && conditionHolds(statement.Condition, request.context ?? {})
  );
}

function conditionHolds(
  condition: PolicyStatement["Condition"],
  context: Record<string, string>,
): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const accepted = asList(expected).some((value) =>
        operator === "StringLike" ? wildcard(value).test(actual) : value === actual,
      );
      if (!accepted) return false;
    }
  }
  return true;
}

/** IAM's ARN wildcards: `*` is any run of characters (slashes included), `?` is one character. */
export function wildcard(pattern: string): RegExp {
  const source = pattern
    .split("")
    .map((char) =>
      char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}$`);
}

export function asList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
