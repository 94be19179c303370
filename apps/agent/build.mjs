// Bundles the agent into one file, dist/agent.mjs, that needs only Node.js >= 20 on the
// endpoint: every dependency is inside. The server serves this file to new endpoints.
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const { version: packageVersion } = JSON.parse(readFileSync("package.json", "utf8"));
// Tests build other releases beside the real one: another version, another protocol, elsewhere.
const version = process.env.RM_AGENT_BUILD_VERSION || packageVersion;
const protocol = process.env.RM_AGENT_BUILD_PROTOCOL
  ? Number(process.env.RM_AGENT_BUILD_PROTOCOL)
  : undefined;
const outdir = process.env.RM_AGENT_BUILD_OUTDIR || "dist";
const define = { AGENT_VERSION: JSON.stringify(version) };
if (protocol !== undefined) define.AGENT_PROTOCOL_OVERRIDE = String(protocol);
// The contracts' protocol number, for the banner the server reads to say what it offers.
const contracts = readFileSync("../../packages/contracts/src/agent.ts", "utf8");
const AGENT_PROTOCOL_VERSION = /AGENT_PROTOCOL_VERSION = (\d+);/.exec(contracts)?.[1];
if (!AGENT_PROTOCOL_VERSION) throw new Error("AGENT_PROTOCOL_VERSION not found in the contracts");

await build({
  entryPoints: ["src/main.ts"],
  outfile: path.join(outdir, "agent.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // ws loads these optional native speed-ups inside try/catch; without them it uses JS.
  external: ["bufferutil", "utf-8-validate"],
  define,
  banner: {
    // Line 2 says which release this is: the server reads it to offer updates to agents.
    js: `#!/usr/bin/env node\n// restic-manager-agent ${version} protocol ${protocol ?? AGENT_PROTOCOL_VERSION}\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);`,
  },
  logLevel: "warning",
});
