/**
 * The web app's initial JavaScript, gzipped: what a browser must fetch before the first page
 * shows (the scripts index.html loads and the modules they preload; pages load on demand).
 * Builds the app as `pnpm build` does and writes web_js_gzip_kb into bench/results.json.
 *
 *   pnpm bench:web
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./fleet/bundle.js";
import { writeResults } from "./fleet/report.js";

const web = path.join(ROOT, "apps/web");
execFileSync("pnpm", ["build"], { cwd: web, stdio: "inherit" });
const dist = path.join(web, "dist");
const html = readFileSync(path.join(dist, "index.html"), "utf8");
const initial = [
  ...html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g),
].map((match) => match[1] ?? "");
let bytes = 0;
const rows = initial.map((file) => {
  const gzipped = gzipSync(readFileSync(path.join(dist, file))).length;
  bytes += gzipped;
  return { file, "gzip kB": Number((gzipped / 1000).toFixed(2)) };
});
console.table(rows);
const figures = { web_js_gzip_kb: Number((bytes / 1000).toFixed(2)) };
console.log(`initial JavaScript, gzipped: ${figures.web_js_gzip_kb} kB (target ≤ 150)`);
writeResults(figures);
