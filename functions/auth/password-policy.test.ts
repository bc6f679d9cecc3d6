import { randomInt } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { TEST_PASSWORD } from "../../infra/testing/auth";
import * as siteValidation from "../../site/src/scripts/validation";
import * as authSettings from "./create-auth";
import { checkPasswordStrength, loadPasswordEstimator } from "./password-policy";
import {
  boundedEditDistance,
  createPasswordEstimator,
  estimatePassword,
  evaluatePassword,
  isCloseToOwner,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_MIN_SCORE,
  type PasswordCheck,
  type PasswordEstimator,
  passwordUserInputs,
  withoutOwnerWords,
} from "./password-policy-options";

const OWNER = { email: "alice.smith@example.com", name: "Alice Smith" };
const PRINTABLE = Array.from({ length: 94 }, (_, index) => String.fromCharCode(33 + index)).join(
  "",
);

function randomPassword(length: number): string {
  return Array.from({ length }, () => PRINTABLE[randomInt(PRINTABLE.length)]).join("");
}

function expectRefused(result: PasswordCheck, code = "PASSWORD_TOO_WEAK"): void {
  expect(result).toEqual({
    ok: false,
    code,
    message: expect.stringMatching(/^This password is too \w+/),
    suggestions: expect.any(Array),
  });
  if (!result.ok)
    for (const suggestion of result.suggestions) expect(suggestion).toEqual(expect.any(String));
}

let estimator: PasswordEstimator;

beforeAll(async () => {
  estimator = await loadPasswordEstimator();
});

describe("checkPasswordStrength", () => {
  it.each([
    "password",
    "12345678",
    "aaaaaaaa",
    "qwertyuiop",
    "P@ssw0rd!",
    "p4$$w0rd",
    "1l0v3y0u!",
    "Password123!",
    "iloveyou123",
  ])("refuses %j as too easy to guess, with a reason and suggestions", async (password) => {
    const result = await checkPasswordStrength(password, OWNER);
    expectRefused(result);
    expect(result.ok === false && result.suggestions.length).toBeGreaterThan(0);
  });

  it("gives the estimator's warning in the message", async () => {
    expect(await checkPasswordStrength("password", OWNER)).toEqual({
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message: "This password is too easy to guess. This is a heavily used password.",
      suggestions: ["Add more words that are less common."],
    });
  });

  it.each([
    OWNER.email,
    "ALICE.SMITH@EXAMPLE.COM",
    "alice.smith@example.co",
    "alicesmith@example.com",
    " alice.smith@example.com1 ",
    OWNER.name,
    "alicesmith",
    "AliceSmith!",
    "alice.smith",
  ])("refuses the owner's own e-mail or name, or nearly: %j", async (password) => {
    const result = await checkPasswordStrength(password, OWNER);
    expectRefused(result);
    expect(result.ok === false && result.message).toContain(
      "too close to your e-mail address or name",
    );
  });

  it.each(["alicesmith2024", "smithalice99", "smith.alice.2024", "asmith1990!", "Smith Alice 1"])(
    "penalises the owner's data inside a longer password: %j",
    async (password) => {
      expect(await checkPasswordStrength(password, {})).toEqual({ ok: true });
      expectRefused(await checkPasswordStrength(password, OWNER));
    },
  );

  it("says when only the owner's data made a password look strong", async () => {
    expect(await checkPasswordStrength("smithalice99", OWNER)).toEqual({
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message: "This password is too easy to guess without your e-mail address or name in it.",
      suggestions: ["Choose words that have nothing to do with your name or e-mail address."],
    });
    expect(withoutOwnerWords("SmithAlice99", passwordUserInputs(OWNER))).toBe("99");
    // Owner words are literal text, not patterns.
    expect(withoutOwnerWords("axb-ccc", ["a.b", "(c)*"])).toBe("axb-ccc");
    expect(withoutOwnerWords("x a.b(c)* y", ["a.b(c)*"])).toBe("x  y");
    expect(withoutOwnerWords("unchanged", [])).toBe("unchanged");
  });

  it("accepts a passphrase that has the name in it but is strong without it", async () => {
    expect(await checkPasswordStrength("alice paints violet zebras", OWNER)).toEqual({ ok: true });
  });

  it("accepts the test suites' password and random 16-character ones", async () => {
    expect(await checkPasswordStrength(TEST_PASSWORD, OWNER)).toEqual({ ok: true });
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect(await checkPasswordStrength(randomPassword(16), OWNER)).toEqual({ ok: true });
    }
    expect(await checkPasswordStrength("horsebatterycorrect", OWNER)).toEqual({ ok: true });
  });

  it("keeps the 8–128 length rule, before and without the estimator", async () => {
    expect(await checkPasswordStrength("Zq8#kP2", OWNER)).toEqual({
      ok: false,
      code: "PASSWORD_TOO_SHORT",
      message: "This password is too short: use at least 8 characters.",
      suggestions: [],
    });
    expect(await checkPasswordStrength(randomPassword(129), OWNER)).toEqual({
      ok: false,
      code: "PASSWORD_TOO_LONG",
      message: "This password is too long: use at most 128 characters.",
      suggestions: [],
    });
    expect(await checkPasswordStrength(randomPassword(128), OWNER)).toEqual({ ok: true });
    // Eight characters pass the length rule and go to the estimator; nine random ones suffice.
    expectRefused(await checkPasswordStrength("Zq8#kP2x", OWNER));
    expect(await checkPasswordStrength("Zq8#kP2xw", OWNER)).toEqual({ ok: true });
  });

  it("judges the first 64 characters: a weak start is not rescued by a long tail", async () => {
    expectRefused(await checkPasswordStrength(`${"password".repeat(8)}${randomPassword(40)}`, {}));
  });

  it("applies the length rule in the shared evaluation too (the site calls it directly)", () => {
    expect(evaluatePassword(estimator, "short", OWNER)).toMatchObject({
      code: "PASSWORD_TOO_SHORT",
    });
  });

  it("falls back to its own suggestion when the estimator has none", () => {
    const silent: PasswordEstimator = {
      check: (password, userInputs) => ({
        ...estimator.check(password, userInputs),
        score: 2,
        feedback: { warning: null, suggestions: [] },
      }),
    };
    expect(evaluatePassword(silent, "zebra castle", {})).toEqual({
      ok: false,
      code: "PASSWORD_TOO_WEAK",
      message: "This password is too easy to guess.",
      suggestions: ["Use a few unrelated words, or a longer mix of characters."],
    });
  });
});

describe("the estimator the site will share", () => {
  it("requires zxcvbn score 3 and reports the estimate with the owner's data as known words", () => {
    expect(PASSWORD_MIN_SCORE).toBe(3);
    expect(estimatePassword(estimator, "zebra castle", OWNER).score).toBe(3);
    expect(estimatePassword(estimator, "Alice Smith", OWNER).score).toBeLessThan(3);
  });

  it("lists the owner's address, local part, its words, the domain name and the name's words", () => {
    expect(passwordUserInputs(OWNER).sort()).toEqual(
      [
        "alice.smith@example.com",
        "alice.smith",
        "alice",
        "smith",
        "example",
        "alice smith",
        "alicesmith",
      ].sort(),
    );
    expect(
      passwordUserInputs({
        email: " Jo+tasks@Mail.Example.co.uk ",
        name: "  Jo O’Neil-Byrne ",
        context: ["Tasks", "to"],
      }).sort(),
    ).toEqual(
      [
        "jo+tasks@mail.example.co.uk",
        "jo+tasks",
        "tasks",
        "mail",
        "example",
        "jo o’neil-byrne",
        "jooneilbyrne",
        "neil",
        "byrne",
      ].sort(),
    );
    expect(passwordUserInputs({})).toEqual([]);
    expect(passwordUserInputs({ email: "no-at-sign", name: " " })).toEqual(["no-at-sign", "sign"]);
  });

  it("measures closeness in edits, stopping early past the limit", () => {
    expect(boundedEditDistance("kitten", "sitting", 5)).toBe(3);
    expect(boundedEditDistance("kitten", "sitting", 2)).toBe(3);
    expect(boundedEditDistance("abc", "abcdefgh", 2)).toBe(3);
    expect(boundedEditDistance("abcdefgh", "zzzzzzzz", 2)).toBe(3);
    expect(boundedEditDistance("same", "same", 2)).toBe(0);
    expect(isCloseToOwner("no-at-sign1", { email: "no-at-sign" })).toBe(true);
    expect(isCloseToOwner("anything at all", {})).toBe(false);
  });

  it("uses the same length limits as the auth settings and the site", () => {
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([
      authSettings.PASSWORD_MIN_LENGTH,
      authSettings.PASSWORD_MAX_LENGTH,
    ]);
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([
      siteValidation.PASSWORD_MIN_LENGTH,
      siteValidation.PASSWORD_MAX_LENGTH,
    ]);
  });
});

describe("loading", () => {
  it("builds the estimator once, on the first check that passes the length rules", async () => {
    vi.resetModules();
    const create = vi.fn(createPasswordEstimator);
    vi.doMock("./password-policy-options", async (importOriginal) => ({
      ...(await importOriginal<typeof import("./password-policy-options")>()),
      createPasswordEstimator: create,
    }));
    try {
      const fresh = await import("./password-policy");
      await fresh.checkPasswordStrength("short", OWNER);
      await fresh.checkPasswordStrength("x".repeat(200), OWNER);
      expect(create).not.toHaveBeenCalled();
      await Promise.all([
        fresh.checkPasswordStrength(TEST_PASSWORD, OWNER),
        fresh.checkPasswordStrength("password", OWNER),
      ]);
      await fresh.checkPasswordStrength("zebra castle", OWNER);
      expect(create).toHaveBeenCalledTimes(1);
      expect(fresh.loadPasswordEstimator()).toBe(fresh.loadPasswordEstimator());
    } finally {
      vi.doUnmock("./password-policy-options");
      vi.resetModules();
    }
  });

  it("imports the estimator only dynamically, and nothing from Node, so the site can share it", async () => {
    for (const file of ["password-policy.ts", "password-policy-options.ts"]) {
      const source = await readFile(new URL(file, import.meta.url), "utf8");
      expect(source).not.toMatch(/^import (?!type )[^;]*from "@zxcvbn-ts\//m);
      expect(source).not.toMatch(/from "node:/);
    }
  });

  it("bundles for the browser with the dictionaries in a chunk of their own", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("password-policy-options.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      splitting: true,
      minify: true,
      outdir: "/virtual",
      write: false,
      logLevel: "silent",
    });
    const [entry, ...chunks] = result.outputFiles;
    expect(entry?.path).toMatch(/password-policy-options\.js$/);
    expect(entry?.contents.byteLength).toBeLessThan(8 * 1024);
    const lazyBytes = chunks.reduce((total, chunk) => total + chunk.contents.byteLength, 0);
    expect(lazyBytes).toBeGreaterThan(1024 * 1024);
  });
});
