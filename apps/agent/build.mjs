// Bundles the agent into one file, dist/agent.mjs, that needs only Node.js >= 20 on the
// endpoint: every dependency is inside. The server serves this file to new endpoints.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync("package.json", "utf8"));

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/agent.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // ws loads these optional native speed-ups inside try/catch; without them it uses JS.
  external: ["bufferutil", "utf-8-validate"],
  define: { AGENT_VERSION: JSON.stringify(version) },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
});
