/**
 * `npm run load:seed -- --count 20 --out load/results/users.json`: creates verified load-test
 * users on the stage that DATABASE_URL and BETTER_AUTH_SECRET belong to (environment variables,
 * or --database-url / --secret), for the k6 scripts' K6_USERS_FILE. ORIGIN (or --origin) is the
 * stage's public origin. The users file holds the passwords: it is written owner-only (0600) and
 * nothing secret is printed.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../../functions/db/database";
import { seedLoadUsers } from "./seed-load-users";

export interface SeedCommand {
  databaseUrl: string;
  secret: string;
  origin: string;
  count: number;
  out: string;
}

const MAX_COUNT = 1000;

/** The command's settings from its flags, falling back to the environment; throws on a bad one. */
export function parseSeedCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): SeedCommand {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      count: { type: "string", default: "20" },
      out: { type: "string", default: "load/results/users.json" },
      origin: { type: "string" },
      "database-url": { type: "string" },
      secret: { type: "string" },
    },
    strict: true,
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new Error(`--count must be a whole number from 1 to ${MAX_COUNT}`);
  }
  const databaseUrl = values["database-url"] ?? env.DATABASE_URL;
  const secret = values.secret ?? env.BETTER_AUTH_SECRET;
  const origin = values.origin ?? env.ORIGIN;
  if (!databaseUrl) throw new Error("set DATABASE_URL (or --database-url) to the stage's database");
  if (!secret) throw new Error("set BETTER_AUTH_SECRET (or --secret) to the stage's secret");
  if (!origin || !/^https?:\/\/[^/\s]+$/.test(origin)) {
    throw new Error(
      "set ORIGIN (or --origin) to the stage's origin, e.g. https://dxxxx.cloudfront.net",
    );
  }
  return { databaseUrl, secret, origin, count, out: resolve(values.out) };
}

/** Seeds, writes the users file, and returns the one line it prints (count and path only). */
export async function runSeedCommand(command: SeedCommand): Promise<string> {
  const { db, close, label } = await openDatabase({ url: command.databaseUrl, maxConnections: 2 });
  try {
    const users = await seedLoadUsers({ db, ...command });
    await writeFile(
      command.out,
      `${JSON.stringify({ origin: command.origin, users }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    return `seeded ${users.length} verified load users on ${label}; users file: ${command.out} (K6_USERS_FILE)`;
  } finally {
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const line = await runSeedCommand(parseSeedCommand(process.argv.slice(2), process.env));
    process.stdout.write(`${line}\n`);
  } catch (error) {
    process.stderr.write(`load:seed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
