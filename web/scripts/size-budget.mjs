// The desa operator's first load: every script index.html loads (the entry and its modulepreloads),
// gzipped (level 9, as a server would). The build fails when it is over the budget (issue 14: at
// most 200 KB gz). Prints the figure; `--json` for tools.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_BYTES = 200 * 1024;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");

export function firstLoadScripts(html) {
  const found = new Set();
  for (const match of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) found.add(match[1]);
  for (const match of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) found.add(match[1]);
  for (const match of html.matchAll(/<link[^>]*href="([^"]+)"[^>]*rel="modulepreload"/g)) found.add(match[1]);
  return [...found];
}

export function measure(dir = dist) {
  const html = readFileSync(resolve(dir, "index.html"), "utf8");
  if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) throw new Error("index.html has an inline script: the CSP (script-src 'self') forbids it");
  if (/<style[\s>]/.test(html)) throw new Error("index.html has an inline <style>: the CSP (style-src 'self') forbids it");
  const files = firstLoadScripts(html).map((src) => {
    const bytes = readFileSync(resolve(dir, src.replace(/^\//, "")));
    return { file: src, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0), budget: BUDGET_BYTES };
}

const result = measure();
if (process.argv.includes("--json")) console.log(JSON.stringify(result));
else {
  for (const f of result.files) console.log(`  ${f.file}  ${(f.bytes / 1024).toFixed(1)} KB, ${(f.gzip / 1024).toFixed(1)} KB gz`);
  console.log(`desa home first-load JS: ${(result.gzip / 1024).toFixed(1)} KB gz (budget ${result.budget / 1024} KB gz)`);
}
if (result.gzip > result.budget) {
  console.error(`Over budget: ${(result.gzip / 1024).toFixed(1)} KB gz > ${result.budget / 1024} KB gz. Load the new code lazily (lazy()/import()).`);
  process.exit(1);
}
