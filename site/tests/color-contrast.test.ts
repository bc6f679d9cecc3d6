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

/** [foreground, background, minimum ratio]: 4.5 for text, 3 for focus rings and borders of errors. */
const PAIRS: Array<[string, string, number]> = [
  ["text", "bg", 4.5],
  ["text", "surface", 4.5],
  ["text", "surface-raised", 4.5],
  ["muted", "bg", 4.5],
  ["muted", "surface", 4.5],
  ["muted", "surface-raised", 4.5],
  ["accent", "bg", 4.5],
  ["accent", "surface", 4.5],
  ["accent", "surface-raised", 4.5],
  ["on-accent", "accent", 4.5],
  ["on-accent", "accent-hover", 4.5],
  ["danger", "bg", 4.5],
  ["danger", "surface-raised", 4.5],
  ["danger", "danger-bg", 4.5],
  ["bg", "danger", 4.5],
  ["text", "success-bg", 4.5],
  // A strong password's verdict and the "This device" mark (inside cards and on the page).
  ["success", "bg", 4.5],
  ["success", "surface-raised", 4.5],
  ["bg", "text", 4.5],
  ["focus", "bg", 3],
  ["focus", "surface-raised", 3],
];

describe.each(["light", "dark"] as const)("the %s colour scheme", (scheme) => {
  it("meets WCAG AA contrast for every text and focus pairing", async () => {
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
});
