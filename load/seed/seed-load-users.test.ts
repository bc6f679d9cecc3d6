import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { user } from "../../functions/db/schema";
import { accessToken, cookieHeader, createTestAuth, TEST_ORIGIN } from "../../infra/testing/auth";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { useTempDir } from "../../infra/testing/temp-dir";
import { parseSeedCommand, runSeedCommand } from "./cli";

describeEachEngine("npm run load:seed on %s", { openedByUrl: true }, (database) => {
  const secret = randomBytes(32).toString("base64url");
  const testAuth = createTestAuth(database, { secret });
  const dir = useTempDir("load-seed-");

  it("creates verified users who sign in with the written passwords, printing nothing secret", async () => {
    const out = join(dir.path, "users.json");
    const line = await runSeedCommand(
      parseSeedCommand(["--count", "3", "--out", out], {
        DATABASE_URL: database.url,
        BETTER_AUTH_SECRET: secret,
        ORIGIN: TEST_ORIGIN,
      }),
    );
    const file = JSON.parse(await readFile(out, "utf8")) as {
      users: Array<{ email: string; password: string }>;
    };
    expect(file.users).toHaveLength(3);
    expect(line).toMatch(/^seeded 3 verified load users on .*users\.json/);
    expect(line).not.toContain(secret);
    expect((await stat(out)).mode & 0o777).toBe(0o600);

    const call = testAuth.caller("lambda");
    for (const { email, password } of file.users) {
      expect(line).not.toContain(password);
      const [row] = await database.db.select().from(user).where(eq(user.email, email));
      expect(row?.emailVerified).toBe(true);
      const signedIn = await call("POST", "/sign-in/email", { body: { email, password } });
      expect(signedIn.status).toBe(200);
      expect(await accessToken(call, cookieHeader(signedIn))).toMatch(/^ey/);
      const wrong = await call("POST", "/sign-in/email", {
        body: { email, password: `${password}x` },
      });
      expect(wrong.status).toBe(401);
    }
  });
});

describe("load:seed settings", () => {
  const env = {
    DATABASE_URL: "postgres://seed@127.0.0.1/stage",
    BETTER_AUTH_SECRET: "s".repeat(32),
    ORIGIN: "https://d111.cloudfront.net",
  };

  it("takes flags over the environment", () => {
    expect(
      parseSeedCommand(["--count", "5", "--origin", "https://other.example"], env),
    ).toMatchObject({ count: 5, origin: "https://other.example", databaseUrl: env.DATABASE_URL });
  });

  it.each([
    ["DATABASE_URL", { ...env, DATABASE_URL: undefined }, []],
    ["BETTER_AUTH_SECRET", { ...env, BETTER_AUTH_SECRET: undefined }, []],
    ["ORIGIN", { ...env, ORIGIN: "d111.cloudfront.net" }, []],
    ["--count", env, ["--count", "0"]],
  ])("refuses to run without a valid %s, naming it", (name, given, argv) => {
    expect(() => parseSeedCommand(argv, given)).toThrow(name);
  });
});
