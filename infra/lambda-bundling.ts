import { dirname } from "node:path";
import { LAMBDA_BUNDLE_EXTERNALS, LAMBDA_NODE_MAJOR } from "./function-settings";

/**
 * The two esbuild plugin hooks used here, typed on their own: SST deploys with its own esbuild
 * (0.18) and the bench with the project's (0.27), and the plugin must fit both.
 */
interface ResolveAndLoadHooks {
  onResolve(
    options: { filter: RegExp },
    callback: (args: {
      path: string;
      importer: string;
    }) => { path: string; namespace: string } | undefined,
  ): void;
  onLoad(
    options: { filter: RegExp; namespace: string },
    callback: (args: { path: string }) => { contents: string; resolveDir: string; loader: "js" },
  ): void;
}

/**
 * zod's namespace export (`import { z } from "zod"`, as @hono/zod-openapi and Better Auth's jwt
 * plugin use it) escapes into code esbuild cannot see through, so esbuild keeps every module of
 * it, the 40-odd `z.locales` translations (258 KiB minified) among them. Nothing here switches
 * zod's language, and zod configures English itself: a bundle's `z.locales` holds English only.
 */
export const zodEnglishLocaleOnly = {
  name: "zod-english-locale-only",
  setup(build: ResolveAndLoadHooks): void {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|mini|core)[\\/]/.test(args.importer)
        ? { path: `${dirname(dirname(args.importer))}/locales/index.js`, namespace: "zod-locales" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from "./en.js";\n`,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * The esbuild options every Lambda bundle gets on top of SST's own (ESM, keepNames, its
 * require/__dirname banner), shared by infra/app-stack.ts and the cold-start bench so both bundle
 * alike. Source maps carry mappings only: Node reads the whole map at load with
 * --enable-source-maps, and a stack trace needs no source text.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  external: [...LAMBDA_BUNDLE_EXTERNALS],
  target: `node${LAMBDA_NODE_MAJOR}`,
  sourcesContent: false,
  plugins: [zodEnglishLocaleOnly],
};
