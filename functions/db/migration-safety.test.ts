import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "./migrate";
import {
  CONTRACT_MARKER,
  type MigrationReview,
  parseStatements,
  reviewMigrations,
  UNSAFE_RULES,
  type UnsafeRule,
} from "./migration-safety";

/** Rules found in one migration file, in order. */
function rulesOf(sql: string, earlier: string[] = []): UnsafeRule[] {
  const files = [...earlier, sql].map((text, i) => ({ name: `${i}.sql`, sql: text }));
  return reviewMigrations(files)
    .unsafe.filter((found) => found.file === `${earlier.length}.sql`)
    .map((found) => found.rule);
}

describe("splitting migrations into statements", () => {
  it("splits drizzle-kit output at `;` and at --> statement-breakpoint", () => {
    const sql = [
      'ALTER TABLE "task" ADD COLUMN "due_at" timestamp (3) with time zone;--> statement-breakpoint',
      'CREATE INDEX "task_due_idx" ON "task" USING btree ("due_at")--> statement-breakpoint',
      'UPDATE "task" SET "due_at" = now()',
    ].join("\n");
    expect(parseStatements(sql).map((s) => [s.line, s.text])).toEqual([
      [1, 'ALTER TABLE "task" ADD COLUMN "due_at" timestamp (3) with time zone'],
      [2, 'CREATE INDEX "task_due_idx" ON "task" USING btree ("due_at")'],
      [3, 'UPDATE "task" SET "due_at" = now()'],
    ]);
  });

  it("does not split inside strings, quoted names, comments or dollar quotes", () => {
    const sql = `
      INSERT INTO "a;b" VALUES ('x;y', E'it\\'s; fine', $$ ; $$, $tag$ ; $tag$); /* ; /* nested ; */ ; */
      -- a comment; not a statement
      SELECT 1;`;
    expect(parseStatements(sql).map((s) => s.line)).toEqual([2, 4]);
  });
});

describe("what the detector flags", () => {
  it.each<[UnsafeRule, string]>([
    ["drop-table", 'DROP TABLE "task" CASCADE;'],
    ["drop-table", "drop table if exists public.task;"],
    ["drop-object", 'DROP VIEW "task_summary";'],
    ["drop-object", 'DROP TYPE "public"."mood";'],
    ["drop-column", 'ALTER TABLE "task" DROP COLUMN "description";'],
    ["drop-column", "alter table task drop description"],
    [
      "drop-column",
      'ALTER TABLE IF EXISTS ONLY "public"."task" DROP COLUMN IF EXISTS "x" CASCADE;',
    ],
    ["rename-table", 'ALTER TABLE "task" RENAME TO "todo";'],
    ["rename-table", 'ALTER TABLE "task" SET SCHEMA "archive";'],
    ["rename-column", 'ALTER TABLE "task" RENAME COLUMN "title" TO "name";'],
    ["rename-column", "Alter Table task Rename title To name"],
    ["rename-object", "ALTER TYPE \"mood\" RENAME VALUE 'sad' TO 'blue';"],
    ["type-change", 'ALTER TABLE "task" ALTER COLUMN "title" SET DATA TYPE varchar(100);'],
    ["type-change", "ALTER TABLE task ALTER title TYPE text USING title::text"],
    ["set-not-null", 'ALTER TABLE "task" ALTER COLUMN "description" SET NOT NULL;'],
    ["add-required-column", 'ALTER TABLE "task" ADD COLUMN "priority" integer NOT NULL;'],
    ["add-required-column", 'ALTER TABLE "task" ADD "ref" uuid PRIMARY KEY;'],
    ["drop-default", 'ALTER TABLE "task" ALTER COLUMN "completed" DROP DEFAULT;'],
    [
      "add-constraint",
      'ALTER TABLE "task" ADD CONSTRAINT "t" CHECK (char_length("title") <= 100);',
    ],
    [
      "add-constraint",
      'ALTER TABLE "task" ADD CONSTRAINT "task_x_fk" FOREIGN KEY ("x") REFERENCES "public"."user"("id");',
    ],
    ["add-unique-index", 'CREATE UNIQUE INDEX "task_title_idx" ON "task" USING btree ("title");'],
    ["drop-constraint", 'ALTER TABLE "task" DROP CONSTRAINT "task_user_id_user_id_fk";'],
    ["delete-rows", 'DELETE FROM "session" WHERE "expires_at" < now();'],
    ["delete-rows", 'TRUNCATE "rate_limit";'],
    ["delete-rows", 'WITH gone AS (DELETE FROM "task" RETURNING "id") SELECT count(*) FROM gone;'],
    ["opaque-code", 'DO $$ BEGIN ALTER TABLE "task" DROP COLUMN "x"; END $$;'],
    ["opaque-code", "CALL archive_tasks();"],
  ])("%s: %s", (rule, sql) => {
    expect(rulesOf(sql)).toEqual([rule]);
  });

  it("flags every destructive action of a multi-action ALTER TABLE", () => {
    expect(
      rulesOf(
        'ALTER TABLE "task" ADD COLUMN "n" text, DROP COLUMN "o", ALTER COLUMN "p" TYPE bigint;',
      ),
    ).toEqual(["drop-column", "type-change"]);
  });

  it("flags dropping a unique index created by an earlier migration, not a plain one", () => {
    const earlier = [
      'CREATE TABLE "t" ("a" text, "b" text);\nCREATE UNIQUE INDEX "t_a_key" ON "t" ("a");\nCREATE INDEX "t_b_idx" ON "t" ("b");',
    ];
    expect(rulesOf('DROP INDEX "t_a_key";', earlier)).toEqual(["drop-unique-index"]);
    expect(rulesOf('DROP INDEX IF EXISTS "public"."t_b_idx";', earlier)).toEqual([]);
  });

  it("sees a statement through odd case, extra spaces and comments inside it", () => {
    expect(rulesOf('aLtEr /* why not */ TABLE\n  "task"\n  -- the column\n  DrOp   "x";')).toEqual([
      "drop-column",
    ]);
  });
});

describe("what the detector lets through (the expand steps)", () => {
  it.each([
    ["a nullable column", 'ALTER TABLE "task" ADD COLUMN "due_at" timestamp (3) with time zone;'],
    [
      "a NOT NULL column with a default",
      'ALTER TABLE "task" ADD COLUMN "rank" integer DEFAULT 0 NOT NULL;',
    ],
    ["a serial column", 'ALTER TABLE "task" ADD COLUMN "seq" bigserial NOT NULL;'],
    [
      "an identity column",
      'ALTER TABLE "task" ADD COLUMN "n" integer GENERATED ALWAYS AS IDENTITY NOT NULL;',
    ],
    [
      "a column whose check mentions NOT NULL",
      'ALTER TABLE "t" ADD COLUMN "x" text CHECK ("x" IS NOT NULL);',
    ],
    ["relaxing NOT NULL", 'ALTER TABLE "task" ALTER COLUMN "title" DROP NOT NULL;'],
    ["a new default", 'ALTER TABLE "task" ALTER COLUMN "completed" SET DEFAULT true;'],
    ["a plain index", 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "task" ("title");'],
    ["renaming an index", 'ALTER INDEX "i" RENAME TO "j";'],
    ["renaming a constraint", 'ALTER TABLE "task" RENAME CONSTRAINT "a" TO "b";'],
    ["a backfill", `UPDATE "task" SET "rank" = 0 WHERE "rank" IS NULL;`],
    [
      "a foreign key to a new table's rows, ON DELETE and all",
      'ALTER TABLE "task" ADD COLUMN "list_id" uuid REFERENCES "list"("id") ON DELETE SET NULL;',
    ],
    ["a new enum value", `ALTER TYPE "mood" ADD VALUE 'calm';`],
    [
      "a string that says DROP TABLE",
      `INSERT INTO "note" ("text") VALUES ('DROP TABLE "task"; --');`,
    ],
    [
      "an escape string that says DROP",
      `INSERT INTO "note" ("text") VALUES (E'it\\'s; DROP TABLE x');`,
    ],
    [
      "a function body that says DROP",
      `CREATE FUNCTION f() RETURNS void AS $fn$ DROP TABLE x; $fn$ LANGUAGE sql;`,
    ],
    [
      "a comment that says DROP",
      "-- ALTER TABLE task DROP COLUMN x;\n/* DROP TABLE task; */ SELECT 1;",
    ],
    [
      "identifiers named like keywords",
      'ALTER TABLE "drop" ADD COLUMN "rename" text, ADD COLUMN "type" text;',
    ],
  ])("%s", (_what, sql) => {
    expect(rulesOf(sql)).toEqual([]);
  });

  it("lets a migration shape a table it creates itself, as drizzle-kit's first migration does", () => {
    const sql = [
      'CREATE TABLE "tag" ("id" uuid PRIMARY KEY, "task_id" uuid NOT NULL);',
      "--> statement-breakpoint",
      'ALTER TABLE "tag" ADD CONSTRAINT "tag_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade;',
      "--> statement-breakpoint",
      'CREATE UNIQUE INDEX "tag_task_idx" ON "tag" USING btree ("task_id");',
      "--> statement-breakpoint",
      'ALTER TABLE "public"."tag" ALTER COLUMN "task_id" SET DATA TYPE text;',
    ].join("\n");
    expect(rulesOf(sql)).toEqual([]);
  });
});

describe("the reviewed contract marker", () => {
  const marked = (marker: string) =>
    [
      'ALTER TABLE "task" ADD COLUMN "x" text;--> statement-breakpoint',
      marker,
      'ALTER TABLE "task" DROP COLUMN "legacy";--> statement-breakpoint',
      'ALTER TABLE "task" DROP COLUMN "other";',
    ].join("\n");

  it("passes the one statement right below it and records who and why", () => {
    const review: MigrationReview = reviewMigrations([
      {
        name: "0007.sql",
        sql: marked(`${CONTRACT_MARKER} alice 2027-01-12: legacy unused since v1.4`),
      },
    ]);
    expect(review.reviewed).toEqual([
      {
        file: "0007.sql",
        line: 3,
        rule: "drop-column",
        statement: 'ALTER TABLE "task" DROP COLUMN "legacy"',
        note: "alice 2027-01-12: legacy unused since v1.4",
      },
    ]);
    // The next destructive statement needs its own marker.
    expect(review.unsafe.map((u) => [u.line, u.statement])).toEqual([
      [4, 'ALTER TABLE "task" DROP COLUMN "other"'],
    ]);
  });

  it("accepts any case and spacing of the marker", () => {
    expect(
      reviewMigrations([{ name: "m", sql: marked("--Contract:   REVIEWED bob: ok") }]).reviewed,
    ).toHaveLength(1);
  });

  it.each([
    ["without a note of who and why", CONTRACT_MARKER],
    ["as a block comment", "/* contract: reviewed alice: fine */"],
    ["misspelled", "-- contract: reviewd alice: fine"],
  ])("does not count %s", (_what, marker) => {
    expect(reviewMigrations([{ name: "m", sql: marked(marker) }]).unsafe).toHaveLength(2);
  });

  it("does not count a marker trailing the previous statement on its line", () => {
    const sql = 'SELECT 1; -- contract: reviewed alice: fine\nALTER TABLE "task" DROP COLUMN "x";';
    expect(reviewMigrations([{ name: "m", sql }]).unsafe).toHaveLength(1);
  });
});

describe("the checked-in migrations", () => {
  const journal = JSON.parse(
    readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"),
  ) as { entries: { tag: string }[] };
  const files = readdirSync(MIGRATIONS_FOLDER)
    .filter((name) => name.endsWith(".sql"))
    .sort();

  it("are exactly the files drizzle's journal applies", () => {
    expect(files).toEqual(journal.entries.map((entry) => `${entry.tag}.sql`));
  });

  it("keep the previous release working: nothing destructive without a reviewed marker", () => {
    const review = reviewMigrations(
      files.map((name) => ({ name, sql: readFileSync(join(MIGRATIONS_FOLDER, name), "utf8") })),
    );
    const explain = review.unsafe.map(
      (u) =>
        `${u.file}:${u.line} ${u.rule}: ${u.statement}\n  ${UNSAFE_RULES[u.rule]}.\n  If this is the ` +
        `contract step of an earlier expand, put "${CONTRACT_MARKER} <who>: <why>" on the line ` +
        "above it (functions/db/migrations/README.md).",
    );
    expect(explain, explain.join("\n")).toEqual([]);
    expect(
      parseStatements(readFileSync(join(MIGRATIONS_FOLDER, files[0] ?? ""), "utf8")).length,
    ).toBeGreaterThan(10);
  });
});
