import { execFileSync } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const API_DIR = path.join(ROOT, "apps/api");

/**
 * Bundles a server entry with apps/api/build.mjs, exactly as the product is bundled (esbuild,
 * packages external, the workspace's TypeScript packages inlined), into apps/api/.tmp so that
 * its packages resolve from apps/api/node_modules: the API's own versions of tRPC, ws and
 * Prisma. Plain node runs the result, with no TypeScript loader in the measured process.
 */
export function bundle(entry: string, outfile: string): void {
  execFileSync(process.execPath, ["build.mjs", entry, outfile], { cwd: API_DIR, stdio: "inherit" });
}

/** A directory for this run's bundles inside apps/api (ignored by git, removed at exit). */
export function bundleDir(): string {
  return path.join(API_DIR, ".tmp", `bench-${process.pid}`);
}
