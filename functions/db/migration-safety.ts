/**
 * Finds migration statements that can break the release still serving while a deploy runs (see
 * migrations/README.md): removing or renaming what old code uses, changing a column's type, or
 * tightening what old code may write. A statement passes if the line before it carries a reviewed
 * contract marker (`-- contract: reviewed <who>: <why>`).
 *
 * It reads SQL as PostgreSQL tokenizes it, so case, quoting, comments, string literals and
 * dollar-quoted bodies cannot hide a statement or fake one. It is a reviewer's tripwire, not a
 * SQL parser: anything unusual errs towards flagging.
 */

/** Why each kind of statement breaks the previous release; the test prints these. */
export const UNSAFE_RULES = {
  "drop-table": "the previous release still reads and writes the table",
  "drop-object": "the previous release may use the view, type, function, sequence or schema",
  "drop-column": "the previous release still selects and inserts the column",
  "rename-table": "the previous release still uses the table's old name (or schema)",
  "rename-column": "the previous release still uses the column's old name",
  "rename-object": "the previous release still uses the old name",
  "type-change":
    "rewrites the column, may reject values the previous release writes, and can change what it " +
    "reads (int → bigint arrives as a string in JavaScript drivers); widening too needs a review",
  "set-not-null": "the previous release may still write rows without a value",
  "add-required-column":
    "the previous release's inserts do not name the new column: NOT NULL without a default rejects them",
  "drop-default": "the previous release's inserts rely on the default (or identity)",
  "add-constraint": "the previous release may write rows the new constraint rejects",
  "add-unique-index": "the previous release may write duplicates the index rejects",
  "drop-constraint":
    "the previous release relies on it: a unique constraint is an ON CONFLICT target, a foreign " +
    "key's ON DELETE CASCADE is how deleting a user removes their rows",
  "drop-unique-index": "a unique index is a rule the previous release relies on, like a constraint",
  "delete-rows": "deleted data does not come back when the code rolls back",
  "opaque-code": "runs code (DO, CALL) whose statements this check cannot see; review what it does",
} as const;

export type UnsafeRule = keyof typeof UNSAFE_RULES;

/** The marker, on its own line right above a statement, that records a reviewed contract step. */
export const CONTRACT_MARKER = "-- contract: reviewed";
const MARKER_PATTERN = /^--\s*contract:\s*reviewed\b\s*(.*)$/i;

export interface MigrationSource {
  /** File name, for messages. */
  name: string;
  sql: string;
}

export interface UnsafeStatement {
  file: string;
  line: number;
  rule: UnsafeRule;
  /** The statement, whitespace collapsed and shortened. */
  statement: string;
}

export interface ReviewedStatement extends UnsafeStatement {
  /** The text after the marker: who reviewed it and why it is safe now. */
  note: string;
}

export interface MigrationReview {
  unsafe: UnsafeStatement[];
  reviewed: ReviewedStatement[];
}

type Token =
  | { kind: "word"; value: string; offset: number; end: number; line: number }
  | { kind: "quoted"; value: string; offset: number; end: number; line: number }
  | { kind: "literal"; offset: number; end: number; line: number }
  | { kind: "symbol"; value: string; offset: number; end: number; line: number };

interface LineComment {
  text: string;
  /** Nothing but whitespace before it on its line. */
  ownLine: boolean;
}

export interface SqlStatement {
  tokens: Token[];
  /** `--` comments between the previous statement and this one. */
  leadingComments: LineComment[];
  line: number;
  text: string;
}

const BREAKPOINT = "--> statement-breakpoint";

/**
 * Splits SQL into statements the way PostgreSQL and drizzle do: at `;` outside strings, quoted
 * identifiers, comments and dollar quotes, and at drizzle-kit's `--> statement-breakpoint`.
 */
export function parseStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let tokens: Token[] = [];
  let comments: LineComment[] = [];
  let line = 1;
  let index = 0;

  const finish = () => {
    const first = tokens[0];
    const last = tokens.at(-1);
    if (first && last) {
      const text = sql.slice(first.offset, last.end).replace(/\s+/g, " ");
      statements.push({ tokens, leadingComments: comments, line: first.line, text });
      comments = [];
    }
    tokens = [];
  };
  // Advances over `length` characters, counting the newlines inside them.
  const advance = (length: number) => {
    for (let i = index; i < index + length && i < sql.length; i += 1)
      if (sql[i] === "\n") line += 1;
    index = Math.min(index + length, sql.length);
  };

  while (index < sql.length) {
    const char = sql[index] ?? "";
    const next = sql[index + 1] ?? "";
    const start = index;
    const startLine = line;
    if (/\s/.test(char)) {
      advance(1);
    } else if (char === "-" && next === "-") {
      const newline = sql.indexOf("\n", index);
      const end = newline === -1 ? sql.length : newline;
      const text = sql.slice(index, end).trim();
      const lineStart = sql.lastIndexOf("\n", index - 1) + 1;
      const ownLine = sql.slice(lineStart, index).trim() === "";
      advance(end - index);
      if (text === BREAKPOINT) finish();
      else if (tokens.length === 0) comments.push({ text, ownLine });
    } else if (char === "/" && next === "*") {
      advance(blockCommentLength(sql, index));
    } else if (char === "'") {
      advance(quotedLength(sql, index, "'", false));
      tokens.push({ kind: "literal", offset: start, end: index, line: startLine });
    } else if (char === '"') {
      const length = quotedLength(sql, index, '"', false);
      const value = sql.slice(index + 1, index + length - 1).replace(/""/g, '"');
      advance(length);
      tokens.push({ kind: "quoted", value, offset: start, end: index, line: startLine });
    } else if (char === "$" && dollarTag(sql, index)) {
      const tag = dollarTag(sql, index) ?? "";
      const close = sql.indexOf(tag, index + tag.length);
      advance(close === -1 ? sql.length - index : close + tag.length - index);
      tokens.push({ kind: "literal", offset: start, end: index, line: startLine });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(char)) {
      const match = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(index)) ?? [char];
      const word = match[0];
      // E'…' is an escape string: a backslash escapes the quote, so it must be skipped as one.
      if ((word === "e" || word === "E") && sql[index + 1] === "'") {
        advance(1 + quotedLength(sql, index + 1, "'", true));
        tokens.push({ kind: "literal", offset: start, end: index, line: startLine });
      } else {
        advance(word.length);
        tokens.push({
          kind: "word",
          value: word.toLowerCase(),
          offset: start,
          end: index,
          line: startLine,
        });
      }
    } else if (/[0-9]/.test(char)) {
      advance((/^[0-9.eE]+/.exec(sql.slice(index)) ?? [char])[0].length);
      tokens.push({ kind: "literal", offset: start, end: index, line: startLine });
    } else if (char === ";") {
      advance(1);
      finish();
    } else {
      advance(1);
      tokens.push({ kind: "symbol", value: char, offset: start, end: index, line: startLine });
    }
  }
  finish();
  return statements;
}

// PostgreSQL block comments nest.
function blockCommentLength(sql: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < sql.length) {
    if (sql.startsWith("/*", index)) {
      depth += 1;
      index += 2;
    } else if (sql.startsWith("*/", index)) {
      depth -= 1;
      index += 2;
      if (depth === 0) return index - start;
    } else index += 1;
  }
  return sql.length - start;
}

// A quoted run with the quote doubled inside (and, in escape strings, backslash escapes).
function quotedLength(
  sql: string,
  start: number,
  quote: string,
  backslashEscapes: boolean,
): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (backslashEscapes && char === "\\") index += 2;
    else if (char === quote && sql[index + 1] === quote) index += 2;
    else if (char === quote) return index + 1 - start;
    else index += 1;
  }
  return sql.length - start;
}

function dollarTag(sql: string, start: number): string | undefined {
  return /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start, start + 64))?.[0];
}

/** The note of a reviewed-contract marker directly above the statement, if there is one. */
export function contractNote(statement: SqlStatement): string | undefined {
  for (const comment of statement.leadingComments) {
    if (!comment.ownLine) continue;
    const note = MARKER_PATTERN.exec(comment.text)?.[1]?.trim();
    // A bare marker says nothing about who looked or why: it does not count.
    if (note && /\w/.test(note)) return note;
  }
  return undefined;
}

/**
 * Reviews migration files in order. Tables created earlier in the same file are exempt (no
 * released code knows them yet); unique indexes are remembered across files so that dropping one
 * later is caught.
 */
export function reviewMigrations(files: readonly MigrationSource[]): MigrationReview {
  const review: MigrationReview = { unsafe: [], reviewed: [] };
  const uniqueIndexes = new Set<string>();
  for (const file of files) {
    const createdTables = new Set<string>();
    for (const statement of parseStatements(file.sql)) {
      const rules = classify(statement.tokens, { createdTables, uniqueIndexes });
      const note = contractNote(statement);
      for (const rule of new Set(rules)) {
        const found = {
          file: file.name,
          line: statement.line,
          rule,
          statement:
            statement.text.length > 160 ? `${statement.text.slice(0, 157)}...` : statement.text,
        };
        if (note) review.reviewed.push({ ...found, note });
        else review.unsafe.push(found);
      }
    }
  }
  return review;
}

interface Context {
  createdTables: Set<string>;
  uniqueIndexes: Set<string>;
}

/** A word token's keyword, lower-cased; quoted identifiers are never keywords. */
function keyword(token: Token | undefined): string | undefined {
  return token?.kind === "word" ? token.value : undefined;
}

/** Reads `name` or `schema.name` at `index`; identifiers compare as PostgreSQL folds them. */
function qualifiedName(tokens: Token[], index: number): { name?: string; next: number } {
  let name: string | undefined;
  let at = index;
  while (true) {
    const token = tokens[at];
    if (token?.kind !== "word" && token?.kind !== "quoted") break;
    name = token.value;
    at += 1;
    const dot = tokens[at];
    if (!(dot?.kind === "symbol" && dot.value === ".")) break;
    at += 1;
  }
  return { name, next: at };
}

/** Skips the given keywords in order where present (e.g. `if`, `not`, `exists`). */
function skip(tokens: Token[], index: number, ...words: string[]): number {
  let at = index;
  for (const word of words) if (keyword(tokens[at]) === word) at += 1;
  return at;
}

/** The tokens at parenthesis depth 0, split at depth-0 commas: ALTER TABLE's action list. */
function topLevelParts(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === "symbol" && token.value === "(") depth += 1;
    if (token.kind === "symbol" && token.value === ")") depth -= 1;
    else if (depth === 0 && token.kind === "symbol" && token.value === ",") parts.push([]);
    else if (depth === 0) parts.at(-1)?.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

function classify(tokens: Token[], context: Context): UnsafeRule[] {
  const first = keyword(tokens[0]);
  if (first === "create") return classifyCreate(tokens, context);
  if (first === "drop") return classifyDrop(tokens, context);
  if (first === "alter") return classifyAlter(tokens, context);
  if (first === "truncate") return ["delete-rows"];
  if (first === "do" || first === "call") return ["opaque-code"];
  // DELETE FROM anywhere outside literals, so a data-modifying CTE cannot hide one.
  const deletes = tokens.some(
    (token, i) => keyword(token) === "delete" && keyword(tokens[i + 1]) === "from",
  );
  return deletes ? ["delete-rows"] : [];
}

function classifyCreate(tokens: Token[], context: Context): UnsafeRule[] {
  let at = skip(tokens, 1, "or", "replace");
  at = skip(tokens, at, "global", "local");
  at = skip(tokens, at, "temporary", "temp", "unlogged");
  if (keyword(tokens[at]) === "table") {
    const { name } = qualifiedName(tokens, skip(tokens, at + 1, "if", "not", "exists"));
    if (name !== undefined) context.createdTables.add(name);
    return [];
  }
  if (keyword(tokens[at]) !== "unique" || keyword(tokens[at + 1]) !== "index") return [];
  at = skip(tokens, at + 2, "concurrently");
  at = skip(tokens, at, "if", "not", "exists");
  let indexName: string | undefined;
  if (keyword(tokens[at]) !== "on") ({ name: indexName, next: at } = qualifiedName(tokens, at));
  const { name: table } = qualifiedName(tokens, skip(tokens, skip(tokens, at, "on"), "only"));
  if (indexName !== undefined) context.uniqueIndexes.add(indexName);
  return table !== undefined && context.createdTables.has(table) ? [] : ["add-unique-index"];
}

function classifyDrop(tokens: Token[], context: Context): UnsafeRule[] {
  const kind = keyword(tokens[1]);
  if (kind === "index") {
    const names = topLevelParts(
      tokens.slice(skip(tokens, skip(tokens, 2, "concurrently"), "if", "exists")),
    );
    const dropsUnique = names.some((part) => {
      const { name } = qualifiedName(part, 0);
      return name !== undefined && context.uniqueIndexes.has(name);
    });
    return dropsUnique ? ["drop-unique-index"] : [];
  }
  if (kind === "table") {
    const names = topLevelParts(tokens.slice(skip(tokens, 2, "if", "exists")));
    const allNew = names.every((part) => {
      const { name } = qualifiedName(part, 0);
      return name !== undefined && context.createdTables.has(name);
    });
    return allNew ? [] : ["drop-table"];
  }
  return ["drop-object"];
}

function classifyAlter(tokens: Token[], context: Context): UnsafeRule[] {
  const kind = keyword(tokens[1]);
  if (kind === "index") return [];
  if (kind !== "table") {
    const words = topLevelParts(tokens).flat().map(keyword);
    const rules: UnsafeRule[] = [];
    const renames = words.some((word, i) => word === "rename" && words[i + 1] !== "constraint");
    if (renames) rules.push("rename-object");
    if (words.includes("drop")) rules.push("drop-object");
    return rules;
  }
  let at = skip(tokens, 2, "if", "exists");
  at = skip(tokens, at, "only");
  const { name: table, next } = qualifiedName(tokens, at);
  if (table !== undefined && context.createdTables.has(table)) return [];
  const actions = topLevelParts(tokens.slice(next)).map((part) =>
    part[0]?.kind === "symbol" && part[0].value === "*" ? part.slice(1) : part,
  );
  return actions.flatMap(classifyTableAction);
}

const TABLE_CONSTRAINT_STARTS = new Set([
  "constraint",
  "check",
  "unique",
  "primary",
  "foreign",
  "exclude",
]);
const SERIAL_TYPES = new Set([
  "serial",
  "bigserial",
  "smallserial",
  "serial2",
  "serial4",
  "serial8",
]);

function classifyTableAction(action: Token[]): UnsafeRule[] {
  const words = action.map(keyword);
  const [first, second] = words;
  if (first === "rename") {
    if (second === "constraint") return [];
    return second === "to" ? ["rename-table"] : ["rename-column"];
  }
  if (first === "set" && second === "schema") return ["rename-table"];
  if (first === "drop") return second === "constraint" ? ["drop-constraint"] : ["drop-column"];
  if (first === "add") {
    if (second !== undefined && TABLE_CONSTRAINT_STARTS.has(second)) return ["add-constraint"];
    return addsRequiredColumn(words) ? ["add-required-column"] : [];
  }
  if (first === "alter") {
    if (second === "constraint") return [];
    // After `alter [column] <name>` comes what changes.
    const rest = words.slice(second === "column" ? 3 : 2);
    const [a, b, c] = rest;
    if (a === "type" || (a === "set" && b === "data" && c === "type")) return ["type-change"];
    if (a === "set" && b === "not" && c === "null") return ["set-not-null"];
    if (a === "drop" && (b === "default" || b === "identity")) return ["drop-default"];
  }
  return [];
}

// `ADD [COLUMN] name type … NOT NULL|PRIMARY KEY` with nothing that fills it in for old inserts.
function addsRequiredColumn(words: (string | undefined)[]): boolean {
  const required = words.some(
    (word, i) =>
      (word === "not" && words[i + 1] === "null" && words[i - 1] !== "is") ||
      (word === "primary" && words[i + 1] === "key"),
  );
  const filled = words.some(
    (word) =>
      word === "default" || word === "generated" || (word !== undefined && SERIAL_TYPES.has(word)),
  );
  return required && !filled;
}
