import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LAMBDA_NODE_MAJOR } from "./function-settings";
import { parseVersion, satisfies, type Version } from "./node-engines";

/**
 * package.json's `engines` must tell the truth: its floor is the lowest Node.js that every
 * installed package admits (the lockfile records each one's `engines.node`), except packages that
 * never run on the floor, each listed with the reason; and the Lambda runtime's major is inside
 * every range, so the bundles' dependencies and the whole toolchain run there too.
 */
const ROOT = resolve(import.meta.dirname, "..");
const readJson = (file: string) => JSON.parse(readFileSync(resolve(ROOT, file), "utf8")) as unknown;

const manifest = readJson("package.json") as { engines: { node: string } };
const lock = readJson("package-lock.json") as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
};

/** Packages whose `engines.node` excludes the floor although nothing loads them on it. */
const NEVER_LOADED_ON_THE_FLOOR: Record<string, string> = {
  // unifont (Astro's font providers) imports undici only when HTTP(S)_PROXY is set, and only
  // inside createUnifont, which runs for an Astro `fonts` configuration: the site has none.
  "node_modules/unifont/node_modules/undici": "Astro fonts only, behind a proxy",
};

const ranges = Object.entries(lock.packages).flatMap(([path, entry]) => {
  const engines = entry.engines;
  const node = engines && !Array.isArray(engines) ? engines.node : undefined;
  return path !== "" && node ? [{ path, range: node, dev: entry.dev === true }] : [];
});

const floorMatch = /^>=\s*(\d+)\.(\d+)$/.exec(manifest.engines.node);
const floor: Version = [Number(floorMatch?.[1]), Number(floorMatch?.[2]), 0];
const rejecting = (version: Version) =>
  ranges.filter(({ range }) => !satisfies(version, range)).map(({ path }) => path);

describe("package.json engines", () => {
  it("declares an open floor, >=MAJOR.MINOR", () => {
    expect(manifest.engines.node).toMatch(/^>=\d+\.\d+$/);
  });

  it("has a floor every installed package admits, but for those never loaded on it", () => {
    const excluded = rejecting(floor);
    expect(excluded.filter((path) => !(path in NEVER_LOADED_ON_THE_FLOOR))).toEqual([]);
    // An exception that no longer applies is removed, not kept as a blanket pass.
    expect(
      Object.keys(NEVER_LOADED_ON_THE_FLOOR).filter((path) => !excluded.includes(path)),
    ).toEqual([]);
  });

  it("has the highest floor a package demands: the release line below it is refused", () => {
    const below: Version = floor[1] > 0 ? [floor[0], floor[1] - 1, 99] : [floor[0] - 1, 99, 99];
    const refusing = rejecting(below).filter((path) => !(path in NEVER_LOADED_ON_THE_FLOOR));
    expect(refusing.length, `nothing refuses ${below.join(".")}`).toBeGreaterThan(0);
  });

  it("keeps the undici exception's reason true: the site configures no Astro fonts", () => {
    const config = readFileSync(resolve(ROOT, "site/astro.config.mjs"), "utf8");
    expect(config).not.toMatch(/\bfonts\b/);
  });

  it(`admits Node.js ${LAMBDA_NODE_MAJOR} (the Lambda runtime) in every package and itself`, () => {
    const runtime: Version = [LAMBDA_NODE_MAJOR, 0, 0];
    expect(satisfies(runtime, manifest.engines.node)).toBe(true);
    expect(rejecting(runtime)).toEqual([]);
  });
});

describe("engines range check", () => {
  it.each([
    ["20.19.0", ">=20.19", true],
    ["20.18.3", ">= 20.19.0", false],
    ["21.7.0", ">=22.12.0 || >=20.19.0 <21.0.0", false],
    ["20.19.5", ">=22.12.0 || >=20.19.0 <21.0.0", true],
    ["21.0.0", "18 || 20 || >=22", false],
    ["20.11.1", "^18.17.0 || ^20.3.0 || >=21.0.0", true],
    ["20.2.0", "^18.17.0 || ^20.3.0 || >=21.0.0", false],
    ["14.16.9", ">=16 || 14 >=14.17", false],
    ["14.17.0", ">=16 || 14 >=14.17", true],
    ["0.5.0", "^0.4.1", false],
    ["1.2.9", "~1.2.3", true],
    ["1.3.0", "~1.2.3", false],
    ["8.1.0", ">=0.8.x", true],
    ["24.0.0", "*", true],
    ["21.0.0", ">20", true],
    ["20.9.9", ">20", false],
    ["20.9.9", "<=20", true],
  ] as const)("%s in %s: %s", (version, range, expected) => {
    expect(satisfies(parseVersion(version), range)).toBe(expected);
  });

  it("refuses what it does not understand rather than guess", () => {
    expect(() => satisfies([20, 0, 0], "1.2.3 - 2.3.4")).toThrow(/not supported/);
    expect(() => satisfies([20, 0, 0], ">=20.0.0-rc.1")).toThrow(/not supported/);
    expect(() => parseVersion("twenty")).toThrow(/plain version/);
  });
});
