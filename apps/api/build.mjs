// Bundles the server into dist/main.js. Packages from node_modules stay external; the
// workspace's own TypeScript packages and the generated Prisma client are bundled in.
//
//   node build.mjs                     the product: src/main.ts → dist/main.js
//   node build.mjs <entry> <outfile>   another entry bundled the same way (the benchmarks'
//                                      servers), run from this directory so that its packages
//                                      resolve from the API's own node_modules
import { build } from "esbuild";

const [entry = "src/main.ts", outfile = "dist/main.js"] = process.argv.slice(2);

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  packages: "external",
  // The workspace packages are TypeScript sources; their own dependencies (croner) stay
  // external and are dependencies of the server too.
  alias: {
    "@restic-manager/contracts": "../../packages/contracts/src/index.ts",
    "@restic-manager/schedule": "../../packages/schedule/src/index.ts",
  },
  // CommonJS packages bundled in call require(); the server's own modules may import
  // createRequire themselves, hence the name of this one.
  banner: {
    js: "import { createRequire as createBannerRequire } from 'node:module'; const require = createBannerRequire(import.meta.url);",
  },
  logLevel: "warning",
});
