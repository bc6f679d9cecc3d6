/**
 * WCAG AA contrast for the colour pairs the site actually uses, in the light and the dark
 * scheme, read from the stylesheet itself so a palette change cannot slip past.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SITE_ROOT } from "./site-build";

type Palette = Record<string, string>;

function readPalette(block: string): Palette {
  const palette: Palette = {};
  for (const match of block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)) {
    const [, name, value] = match;
    if (name && value) palette[name] = value.toLowerCase();
  }
  return palette;
}

async function palettes(): Promise<{ light: Palette; dark: Palette }> {
  const css = await readFile(join(SITE_ROOT, "src", "styles", "global.css"), "utf8");
  const light = readPalette(css.slice(css.indexOf(":root"), css.indexOf("}")));
  const darkStart = css.indexOf("@media (prefers-color-scheme: dark)");
  const dark = { ...light, ...readPalette(css.slice(darkStart, css.indexOf("}", darkStart))) };
  return { light, dark };
}

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** Where text sits: the page, a quiet panel (header hover, filters), a card. */
const SURFACES = ["bg", "surface", "surface-raised"];
/** Every colour text is set in, including links and the verdicts of the strength meter. */
const TEXT_ON_SURFACES = ["text", "muted", "accent", "accent-hover", "danger", "success"];

/** [foreground, background, minimum ratio]: 4.5 for text, 3 for focus rings and control outlines. */
const PAIRS: Array<[string, string, number]> = [
  ...TEXT_ON_SURFACES.flatMap((text) =>
    SURFACES.map((surface): [string, string, number] => [text, surface, 4.5]),
  ),
  // Buttons: primary, the filled destructive one (a deep red in both schemes), and their hover.
  ["on-accent", "accent", 4.5],
  ["on-accent", "accent-hover", 4.5],
  ["on-danger", "danger-solid", 4.5],
  ["on-danger", "danger-solid-hover", 4.5],
  // The current page in the navigation and the info notice; the error box and the quiet danger
  // button's hover; the success notice.
  ["accent", "accent-soft", 4.5],
  ["accent-hover", "accent-soft", 4.5],
  ["text", "accent-soft", 4.5],
  ["danger", "danger-bg", 4.5],
  ["text", "danger-bg", 4.5],
  ["text", "success-bg", 4.5],
  ["bg", "text", 4.5],
  // Non-text contrast (WCAG 1.4.11): focus rings, input and checkbox outlines, error borders.
  ...SURFACES.flatMap(
    (surface): Array<[string, string, number]> => [
      ["focus", surface, 3],
      ["border-strong", surface, 3],
      ["danger", surface, 3],
      ["success", surface, 3],
    ],
  ),
  ["focus", "accent-soft", 3],
  ["danger", "danger-bg", 3],
  ["success", "success-bg", 3],
];

/** Tokens that only draw hairlines between things that are already apart (no contrast duty). */
const DECORATIVE = new Set(["border"]);

describe.each(["light", "dark"] as const)("the %s colour scheme", (scheme) => {
  it("meets WCAG AA contrast for every text, control and focus pairing", async () => {
    const palette = (await palettes())[scheme];
    const failures: string[] = [];
    for (const [foreground, background, minimum] of PAIRS) {
      const fg = palette[foreground];
      const bg = palette[background];
      if (!fg || !bg) {
        failures.push(`--${foreground} or --${background} is not a hex colour in ${scheme}`);
        continue;
      }
      const ratio = contrast(fg, bg);
      if (ratio < minimum) {
        failures.push(`--${foreground} on --${background}: ${ratio.toFixed(2)} < ${minimum}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("checks every colour token it defines (a new one needs its pairs above)", async () => {
    const palette = (await palettes())[scheme];
    const checked = new Set(PAIRS.flatMap((pair) => pair.slice(0, 2)));
    const unchecked = Object.keys(palette).filter(
      (name) => !checked.has(name) && !DECORATIVE.has(name),
    );
    expect(unchecked).toEqual([]);
  });
});

it("gives the dark scheme its own value for every colour token", async () => {
  const css = await readFile(join(SITE_ROOT, "src", "styles", "global.css"), "utf8");
  const light = readPalette(css.slice(css.indexOf(":root"), css.indexOf("}")));
  const darkStart = css.indexOf("@media (prefers-color-scheme: dark)");
  const dark = readPalette(css.slice(darkStart, css.indexOf("}", darkStart)));
  expect(Object.keys(dark).sort()).toEqual(Object.keys(light).sort());
});

it("draws the favicon in each scheme's accent and on-accent, as the page's own logo is", async () => {
  const { light, dark } = await palettes();
  const svg = await readFile(join(SITE_ROOT, "public", "favicon.svg"), "utf8");
  const darkStart = svg.indexOf("@media (prefers-color-scheme:dark)");
  expect(darkStart).toBeGreaterThan(0);
  const colours = (css: string) => ({
    tile: css.match(/\.tile\{fill:(#[0-9a-f]{6})\}/i)?.[1]?.toLowerCase(),
    tick: css.match(/\.tick\{stroke:(#[0-9a-f]{3,6})\}/i)?.[1]?.toLowerCase(),
  });
  const expand = (hex: string | undefined) =>
    hex?.length === 4 ? `#${[...hex.slice(1)].map((digit) => digit + digit).join("")}` : hex;
  const lightIcon = colours(svg.slice(0, darkStart));
  const darkIcon = colours(svg.slice(darkStart));
  expect([lightIcon.tile, expand(lightIcon.tick)]).toEqual([light.accent, light["on-accent"]]);
  expect([darkIcon.tile, expand(darkIcon.tick)]).toEqual([dark.accent, dark["on-accent"]]);
});
