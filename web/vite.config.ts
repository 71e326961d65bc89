import { defineConfig } from "vite";

// Preact through TypeScript's own JSX settings (tsconfig.json: jsxImportSource "preact"), so
// no framework plugin is needed. The bundle budget (200 KB gzipped) is checked by
// scripts/check-bundle.mjs after every build.
export default defineConfig({
  build: {
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
  },
});
