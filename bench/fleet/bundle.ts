import { execFileSync } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const API_DIR = path.join(ROOT, "apps/api");

/**
 * Bundles a server entry the way apps/api/build.mjs bundles the product (esbuild, packages
 * external, the workspace's TypeScript packages inlined), into apps/api/.tmp so that its
 * packages resolve from apps/api/node_modules: the API's own versions of tRPC, ws and Prisma.
 * Plain node runs the result, with no TypeScript loader in the measured process.
 */
export function bundle(entry: string, outfile: string): void {
  const script = `
    import { build } from "esbuild";
    await build({
      entryPoints: [${JSON.stringify(entry)}],
      outfile: ${JSON.stringify(outfile)},
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      sourcemap: true,
      packages: "external",
      alias: {
        "@restic-manager/contracts": "../../packages/contracts/src/index.ts",
        "@restic-manager/schedule": "../../packages/schedule/src/index.ts",
      },
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: "warning",
    });`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: API_DIR,
    stdio: "inherit",
  });
}

/** A directory for this run's bundles inside apps/api (ignored by git, removed at exit). */
export function bundleDir(): string {
  return path.join(API_DIR, ".tmp", `bench-${process.pid}`);
}
