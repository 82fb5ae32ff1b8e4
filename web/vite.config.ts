// Vite builds the booking UI into web/dist, which `berth serve` serves at `/` (src/api/web-ui.ts).
// Preact's JSX through Vite's own transform: no framework plugin needed.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
