// @ts-check
import { defineConfig } from "astro/config";

/**
 * `astro dev --root site` serves only the pages; set API_PROXY_TARGET (for example
 * http://127.0.0.1:3000, the local gateway) to forward /api to it so the site and the API
 * still share one origin in the browser.
 */
const apiProxyTarget = process.env.API_PROXY_TARGET;

export default defineConfig({
  output: "static",
  // Every page is a folder with index.html (/tasks/ → tasks/index.html): S3, CloudFront and the
  // local gateway all serve that layout without rewrites beyond "directory → index.html".
  // Styles only as files: the Content-Security-Policy's `style-src 'self'` refuses inline <style>.
  build: { format: "directory", inlineStylesheets: "never" },
  trailingSlash: "ignore",
  devToolbar: { enabled: false },
  vite: {
    server: apiProxyTarget
      ? { proxy: { "/api": { target: apiProxyTarget, changeOrigin: false, xfwd: true } } }
      : {},
  },
});
