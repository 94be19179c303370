import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  enrollAgentConfig,
  type RestServer,
  type SpawnedAgent,
  spawnAgent,
  startRestServer,
  TOOLS_BIN,
} from "@restic-manager/test-support";
import { test as serverTest } from "./fixtures";

/**
 * The rest of a real fleet for a test: a rest-server holding repositories and agents run
 * from source, with restic and rest-server from .tools/bin (scripts/install-test-tools.sh).
 */
export class Fleet {
  private readonly agents: Array<{ name: string; agent: SpawnedAgent }> = [];
  private readonly restServers: RestServer[] = [];
  private readonly dirs: string[] = [];

  /** A directory removed when the test ends. */
  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** A rest-server on loopback without auth; returns its base URL for `rest:` repositories. */
  async startRestServer(): Promise<string> {
    requireTools();
    const restServer = await startRestServer(await this.tempDir("rm-e2e-rest-"));
    this.restServers.push(restServer);
    return `http://127.0.0.1:${restServer.port}`;
  }

  /** Trades an enrollment token for an agent config, as `agent enroll` does on an endpoint. */
  async enrollAgent(serverUrl: string, token: string): Promise<string> {
    const configFile = path.join(await this.tempDir("rm-e2e-agent-"), "agent.json");
    await enrollAgentConfig({ serverUrl, token, configFile });
    return configFile;
  }

  /** Runs the agent service until the test ends. */
  startAgent(configFile: string): void {
    this.agents.push({ name: "agent run", agent: spawnAgent(["run", "--config", configFile]) });
  }

  /** Everything the agents printed, for the report of a failed test. */
  logs(): string {
    return this.agents.map((a) => `--- ${a.name} ---\n${a.agent.output()}`).join("\n");
  }

  async stop(): Promise<void> {
    // Agents first, so they do not report into a server that is going away.
    for (const { agent } of this.agents) await agent.stop();
    for (const restServer of this.restServers) await restServer.stop();
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

function requireTools() {
  for (const tool of ["restic", "rest-server"]) {
    if (!existsSync(path.join(TOOLS_BIN, tool))) {
      throw new Error(`${tool} is missing from .tools/bin: run scripts/install-test-tools.sh`);
    }
  }
}

/** `files` files of random (so neither compressible nor deduplicated) data. */
export async function writeRandomTree(dir: string, files: number, bytesEach: number) {
  await mkdir(path.join(dir, "nested"), { recursive: true });
  for (let i = 0; i < files; i++) {
    const where = i % 2 === 0 ? dir : path.join(dir, "nested");
    await writeFile(path.join(where, `file-${i}.bin`), randomBytes(bytesEach));
  }
}

/** The server fixture plus a fleet whose processes stop when the test ends. */
export const test = serverTest.extend<{ fleet: Fleet }>({
  // Depends on the server so that it stops first: agents never outlive their server.
  fleet: async ({ server: _server }, use, testInfo) => {
    const fleet = new Fleet();
    try {
      await use(fleet);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("fleet.log", { body: fleet.logs(), contentType: "text/plain" });
      }
      await fleet.stop();
    }
  },
});
