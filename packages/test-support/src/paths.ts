import { existsSync } from "node:fs";
import path from "node:path";

/** The repository's root, wherever the tests run from. */
export const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
/** restic, rest-server and ntfy, installed by scripts/install-test-tools.sh. */
export const TOOLS_BIN = path.join(REPO_ROOT, ".tools/bin");
/** The agent's sources, run with tsx as an endpoint would run the bundle. */
export const AGENT_DIR = path.join(REPO_ROOT, "apps/agent");

/** The environment for a child process that finds the test tools first on PATH. */
export function toolsEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${TOOLS_BIN}${path.delimiter}${env.PATH ?? ""}` };
}

/** A tool from .tools/bin when it is installed there, else whatever PATH finds. */
export function toolOrPath(name: string): string {
  const installed = path.join(TOOLS_BIN, name);
  return existsSync(installed) ? installed : name;
}
