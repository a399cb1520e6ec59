/// <reference types="vitest" />
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

/** Emits `sw.js` at the root (scope `/`) with the list of the build's files to precache: the app
 * shell works offline from the first visit on. The worker's source is plain JS in src/sw/sw.js. */
function serviceWorker(): Plugin {
  return {
    name: "eplanning-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => !name.endsWith(".map") && name !== "index.html")
        .map((name) => "/" + name)
        .sort();
      const precache = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png", ...files];
      const version = createHash("sha256").update(precache.join("\n")).digest("hex").slice(0, 12);
      const source = readFileSync(fileURLToPath(new URL("./src/sw/sw.js", import.meta.url)), "utf8")
        .replace("self.__PRECACHE__", JSON.stringify(precache))
        .replace("self.__VERSION__", JSON.stringify(version));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

export default defineConfig({
  plugins: [preact(), serviceWorker()],
  css: {
    preprocessorOptions: {
      scss: { api: "modern-compiler", loadPaths: [fileURLToPath(new URL("./node_modules", import.meta.url))], quietDeps: true, silenceDeprecations: ["import", "global-builtin"] },
    },
  },
  build: {
    target: "es2020",
    // no inline scripts or styles anywhere (Content-Security-Policy: script-src 'self'; style-src 'self')
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: { "/v1": process.env.GATEWAY_URL ?? "http://127.0.0.1:8080" },
  },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    testTimeout: 20000,
  },
});
