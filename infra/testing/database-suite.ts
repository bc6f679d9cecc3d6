import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest";
import type { Database } from "../../functions/db/database";
import {
  type CreateOptions,
  createTestDatabase,
  ENGINES,
  type Engine,
  type TestDatabase,
} from "./database";

/**
 * Test databases wired into a describe block: the hooks that create and drop them, and a handle
 * that is read inside tests and hooks (the database exists from the block's own setup on).
 */
export interface DatabaseFixture {
  readonly engine: Engine;
  /** The drizzle database the suite's code under test receives. */
  readonly db: Database;
  /** What a function under test would receive as DATABASE_URL. */
  readonly url: string;
}

export interface FixtureOptions extends CreateOptions {
  /** "suite" (default): one database for the whole describe block; "test": a fresh one per test. */
  per?: "suite" | "test";
}

/** A database on `engine` for the enclosing describe block, created and dropped by its hooks. */
export function useTestDatabase(engine: Engine, options: FixtureOptions = {}): DatabaseFixture {
  let current: TestDatabase | undefined;
  const [setUp, tearDown] =
    options.per === "test" ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(async () => {
    current = await createTestDatabase(engine, options);
  });
  tearDown(async () => {
    await current?.dispose();
    current = undefined;
  });
  const open = (): TestDatabase => {
    if (!current)
      throw new Error("the test database exists only in the tests and hooks of its suite");
    return current;
  };
  return {
    engine,
    get db() {
      return open().db;
    },
    get url() {
      return open().url;
    },
  };
}

/**
 * `describe.each(ENGINES)` with a test database on each engine; `%s` in `name` is the engine.
 * Options go between name and body, as with vitest's own `describe`.
 */
export function describeEachEngine(name: string, suite: (database: DatabaseFixture) => void): void;
export function describeEachEngine(
  name: string,
  options: FixtureOptions,
  suite: (database: DatabaseFixture) => void,
): void;
export function describeEachEngine(
  name: string,
  ...rest:
    | [(database: DatabaseFixture) => void]
    | [FixtureOptions, (database: DatabaseFixture) => void]
): void {
  const [options, suite] = rest.length === 1 ? [{}, rest[0]] : rest;
  describe.each(ENGINES)(name, (engine) => suite(useTestDatabase(engine, options)));
}
