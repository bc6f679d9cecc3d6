import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../infra/testing/database-suite";

/**
 * Keeps data-model.md true: every table, column (and its nullability), named constraint, index
 * and cascade it documents is compared with a database the real migrations just built.
 */
const DOCUMENT = readFileSync(new URL("./data-model.md", import.meta.url), "utf8");

interface DocumentedColumn {
  name: string;
  nullable: boolean;
  notes: string;
}

/** `## table` sections that hold a column table. */
function documentedTables(): Map<string, { columns: DocumentedColumn[]; text: string }> {
  const tables = new Map<string, { columns: DocumentedColumn[]; text: string }>();
  for (const section of DOCUMENT.split(/^## /m).slice(1)) {
    const [heading = "", ...rest] = section.split("\n");
    const text = rest.join("\n");
    const columns = text
      .split("\n")
      .map((line) => line.split("|").map((cell) => cell.trim()))
      // A column row: "| `name` | type | yes/no | default | notes |" (split gives empty ends).
      .filter((cells) => cells.length === 7 && /^`[a-z_]+`$/.test(cells[1] ?? ""))
      .map((cells) => ({
        name: (cells[1] as string).slice(1, -1),
        nullable: cells[3] === "yes",
        notes: cells[5] as string,
      }));
    if (columns.length) tables.set(heading.trim(), { columns, text });
  }
  return tables;
}

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

describe("data-model.md matches the migrated schema", () => {
  const database = useTestDatabase("pglite");
  const documented = documentedTables();

  const query = async <T>(statement: ReturnType<typeof sql>): Promise<T[]> =>
    rowsOf<T>(await database.db.execute(statement));

  it("documents exactly the tables of the public schema", async () => {
    const tables = await query<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect([...documented.keys()].sort()).toEqual(tables.map((t) => t.table_name));
  });

  it("documents every column with its nullability, in each table", async () => {
    const columns = await query<{ table_name: string; column_name: string; is_nullable: string }>(
      sql`select table_name, column_name, is_nullable from information_schema.columns
          where table_schema = 'public' order by table_name, ordinal_position`,
    );
    for (const [table, { columns: listed }] of documented) {
      const actual = columns
        .filter((c) => c.table_name === table)
        .map((c) => ({ name: c.column_name, nullable: c.is_nullable === "YES" }));
      expect(
        listed.map(({ name, nullable }) => ({ name, nullable })),
        table,
      ).toEqual(actual);
    }
  });

  it("names every unique and check constraint and every index", async () => {
    const constraints = await query<{ table_name: string; constraint_name: string }>(
      sql`select table_name, constraint_name from information_schema.table_constraints
          where table_schema = 'public' and constraint_type in ('UNIQUE', 'CHECK')
            and constraint_name not like '%_not_null'`,
    );
    const indexes = await query<{ tablename: string; indexname: string }>(
      sql`select tablename, indexname from pg_indexes
          where schemaname = 'public' and indexname not like '%_pkey' and indexname not like '%_unique'`,
    );
    expect(constraints.length + indexes.length).toBeGreaterThan(0);
    for (const { table_name, constraint_name } of constraints) {
      expect(documented.get(table_name)?.text, constraint_name).toContain(`\`${constraint_name}\``);
    }
    for (const { tablename, indexname } of indexes) {
      expect(documented.get(tablename)?.text, indexname).toContain(`\`${indexname}\``);
    }
  });

  it("documents every foreign key with its target and ON DELETE rule", async () => {
    const foreignKeys = await query<{
      table_name: string;
      column_name: string;
      target_table: string;
      target_column: string;
      delete_rule: string;
    }>(
      sql`select k.table_name, k.column_name, t.table_name as target_table,
                 t.column_name as target_column, r.delete_rule
          from information_schema.referential_constraints r
          join information_schema.key_column_usage k on k.constraint_name = r.constraint_name
          join information_schema.constraint_column_usage t on t.constraint_name = r.constraint_name
          where k.table_schema = 'public'`,
    );
    expect(foreignKeys.map((fk) => fk.table_name).sort()).toEqual(["account", "session", "task"]);
    for (const fk of foreignKeys) {
      const column = documented.get(fk.table_name)?.columns.find((c) => c.name === fk.column_name);
      expect(column?.notes, `${fk.table_name}.${fk.column_name}`).toContain(
        `→ \`${fk.target_table}.${fk.target_column}\`, ON DELETE ${fk.delete_rule}`,
      );
    }
  });
});
