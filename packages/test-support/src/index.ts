/** What the tests of every package share; dev-only. */
export { enrollAgentConfig, type SpawnedAgent, spawnAgent } from "./agents.js";
export { applyEdit, pathsOf, type ValueEdit } from "./mutate.js";
export { AGENT_DIR, REPO_ROOT, TOOLS_BIN, toolOrPath, toolsEnv } from "./paths.js";
export { freePort } from "./ports.js";
export { type RestServer, startRestServer } from "./restServer.js";
export {
  changeTree,
  describeTree,
  generateTree,
  TREE_CHANGES,
  type TreeFacts,
  type TreeFile,
} from "./tree.js";
export { waitFor } from "./wait.js";
