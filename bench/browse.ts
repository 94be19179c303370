/**
 * Opening a directory of a big snapshot in the browser: a generated tree of BENCH_FILES files
 * (default 1,000,000: 100 folders × 100 subfolders × 100 files) is backed up with the real
 * restic into a local repository, then the agent's browse cache lists it once (the first open)
 * and opens random directories — folders of 100 folders, of 100 files, and the root — with its
 * index cold (a new cache object) and warm. Prints a table; merges its figures into
 * bench/results.json.
 *
 *   pnpm bench:browse            (BENCH_FILES=100000 for a quicker run)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TLsNode } from "@restic-manager/contracts";
import { ls } from "@restic-manager/restic";
import { toolOrPath } from "@restic-manager/test-support";
import { BrowseCache } from "../apps/agent/src/reader/browseCache.js";

const FILES = Number(process.env.BENCH_FILES ?? 1_000_000);
const FAN = Math.round(Math.cbrt(FILES));
const OPENS = 300;
const restic = toolOrPath("restic");
const work = mkdtempSync(path.join(process.env.BENCH_DIR ?? tmpdir(), "rm-bench-browse-"));
const tree = path.join(work, "tree");
const repository = path.join(work, "repo");
const env = {
  ...process.env,
  RESTIC_REPOSITORY: repository,
  RESTIC_PASSWORD: "bench",
  RESTIC_CACHE_DIR: path.join(work, "restic-cache"),
};

function seconds(ms: number) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function generate() {
  const started = Date.now();
  for (let a = 0; a < FAN; a++) {
    for (let b = 0; b < FAN; b++) {
      const dir = path.join(tree, `dir-${a}`, `sub-${b}`);
      mkdirSync(dir, { recursive: true });
      for (let c = 0; c < FAN; c++) {
        writeFileSync(path.join(dir, `file-${c}.txt`), `${a}/${b}/${c}\n`);
      }
    }
  }
  return Date.now() - started;
}

function dirSize(dir: string): number {
  let total = 0;
  for (const line of execFileSync("du", ["-sb", dir]).toString().split("\n")) {
    const [bytes] = line.split("\t");
    if (bytes) total += Number(bytes);
  }
  return total;
}

async function main() {
  console.log(`Generating ${FAN ** 3} files in ${tree} …`);
  const generateMs = generate();
  execFileSync(restic, ["init"], { env, stdio: "ignore" });
  const backupStarted = Date.now();
  execFileSync(restic, ["backup", "--quiet", tree], { env, stdio: "ignore" });
  const backupMs = Date.now() - backupStarted;
  const snapshotId = (
    JSON.parse(execFileSync(restic, ["snapshots", "--json"], { env }).toString()) as Array<{
      id: string;
    }>
  )[0]?.id;
  if (!snapshotId) throw new Error("no snapshot");

  const cacheDir = path.join(work, "browse");
  const context = {
    bin: restic,
    cacheDir: env.RESTIC_CACHE_DIR,
    repository: { url: repository, password: "bench" },
  };
  const lister = async (id: string, onNode: (node: TLsNode) => void) => {
    await ls(context, { snapshotId: id }, { onNode });
  };
  const cache = () => new BrowseCache(cacheDir, lister, 64 * 1024 ** 3);
  const rssBefore = process.memoryUsage().rss;
  const firstStarted = Date.now();
  const first = await cache().directory(snapshotId, tree, 0, 5000);
  const firstOpenMs = Date.now() - firstStarted;
  const listingBytes = dirSize(cacheDir);
  const rssAfterBuild = process.memoryUsage().rss;

  const targets: string[] = [];
  for (let i = 0; i < OPENS; i++) {
    const a = Math.floor(Math.random() * FAN);
    const b = Math.floor(Math.random() * FAN);
    targets.push(
      i % 3 === 0
        ? tree
        : i % 3 === 1
          ? path.join(tree, `dir-${a}`)
          : path.join(tree, `dir-${a}`, `sub-${b}`),
    );
  }
  // Cold: a new cache object for each open reads the index from disk again (an agent restart).
  const cold: number[] = [];
  for (const target of targets.slice(0, 30)) {
    const started = performance.now();
    await cache().directory(snapshotId, target, 0, 5000);
    cold.push(performance.now() - started);
  }
  const warmCache = cache();
  const warm: number[] = [];
  for (const target of targets) {
    const started = performance.now();
    const page = await warmCache.directory(snapshotId, target, 0, 5000);
    warm.push(performance.now() - started);
    if (!page.found) throw new Error(`not found: ${target}`);
  }
  cold.sort((x, y) => x - y);
  warm.sort((x, y) => x - y);
  const figures = {
    snapshot_files: FAN ** 3,
    snapshot_first_open_s: firstOpenMs / 1000,
    snapshot_listing_mb: listingBytes / 1024 ** 2,
    snapshot_listing_rss_growth_mb: (rssAfterBuild - rssBefore) / 1024 ** 2,
    snapshot_dir_open_cold_p50_ms: percentile(cold, 50),
    snapshot_dir_open_cold_p95_ms: percentile(cold, 95),
    snapshot_dir_open_p50_ms: percentile(warm, 50),
    snapshot_dir_open_p95_ms: percentile(warm, 95),
  };
  console.log(`
| measured | value |
|---|---|
| files in the snapshot | ${figures.snapshot_files} (generated in ${seconds(generateMs)}, backed up in ${seconds(backupMs)}) |
| first open (restic ls of the whole snapshot + listing) | ${seconds(firstOpenMs)} (${first.total} entries at the top) |
| listing on disk | ${figures.snapshot_listing_mb.toFixed(1)} MiB (${(listingBytes / FAN ** 3).toFixed(0)} bytes per file) |
| directory open, index cold (new cache object) p50 / p95 | ${figures.snapshot_dir_open_cold_p50_ms.toFixed(1)} / ${figures.snapshot_dir_open_cold_p95_ms.toFixed(1)} ms |
| directory open, warm p50 / p95 (${OPENS} opens) | ${figures.snapshot_dir_open_p50_ms.toFixed(2)} / ${figures.snapshot_dir_open_p95_ms.toFixed(2)} ms |
`);
  const resultsFile = path.join(import.meta.dirname, "results.json");
  let results: Record<string, number> = {};
  try {
    results = JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, number>;
  } catch {
    // first figures
  }
  writeFileSync(resultsFile, `${JSON.stringify({ ...results, ...figures }, null, 2)}\n`);
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work} (${statSync(work).isDirectory() ? "dir" : ""})`);
}

await main();
