import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test as serverTest } from "./fixtures";
import { REPO_ROOT } from "./server";

/**
 * The rest of a real fleet for a test: a rest-server holding repositories and agents run
 * from source, with restic and rest-server from .tools/bin (scripts/install-test-tools.sh).
 */
const TOOLS_BIN = path.join(REPO_ROOT, ".tools/bin");
const AGENT_DIR = path.join(REPO_ROOT, "apps/agent");
const START_TIMEOUT_MS = 15_000;
const LISTENING = /start server on 127\.0\.0\.1:(\d+)/;

interface Managed {
  name: string;
  child: ChildProcess;
  output: () => string;
}

export class Fleet {
  private readonly processes: Managed[] = [];
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
    const dataDir = await this.tempDir("rm-e2e-rest-");
    const managed = this.spawn("rest-server", path.join(TOOLS_BIN, "rest-server"), [
      "--path",
      dataDir,
      "--no-auth",
      "--listen",
      "127.0.0.1:0",
    ]);
    const port = await waitForOutput(managed, LISTENING);
    return `http://127.0.0.1:${port}`;
  }

  /** Trades an enrollment token for an agent config, as `agent enroll` does on an endpoint. */
  async enrollAgent(serverUrl: string, token: string): Promise<string> {
    const dir = await this.tempDir("rm-e2e-agent-");
    const configFile = path.join(dir, "agent.json");
    const managed = this.spawnAgent("agent enroll", [
      "enroll",
      "--server",
      serverUrl,
      "--token",
      token,
      "--config",
      configFile,
    ]);
    const [code] = (await once(managed.child, "exit")) as [number | null];
    if (code !== 0) throw new Error(`agent enroll exited ${code}:\n${managed.output()}`);
    return configFile;
  }

  /** Runs the agent service until the test ends. */
  startAgent(configFile: string): void {
    this.spawnAgent("agent run", ["run", "--config", configFile]);
  }

  /** Everything the fleet's processes printed, for the report of a failed test. */
  logs(): string {
    return this.processes.map((p) => `--- ${p.name} ---\n${p.output()}`).join("\n");
  }

  async stop(): Promise<void> {
    // Agents first, so they do not report into a server that is going away.
    for (const managed of [...this.processes].reverse()) await terminate(managed.child);
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  private spawnAgent(name: string, args: string[]): Managed {
    return this.spawn(name, process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
      cwd: AGENT_DIR,
    });
  }

  private spawn(name: string, command: string, args: string[], options: { cwd?: string } = {}) {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, PATH: `${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const append = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    const managed = { name, child, output: () => output };
    this.processes.push(managed);
    return managed;
  }
}

function requireTools() {
  for (const tool of ["restic", "rest-server"]) {
    if (!existsSync(path.join(TOOLS_BIN, tool))) {
      throw new Error(`${tool} is missing from .tools/bin: run scripts/install-test-tools.sh`);
    }
  }
}

async function waitForOutput(managed: Managed, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const match = pattern.exec(managed.output());
    if (match?.[1]) return match[1];
    if (managed.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${managed.name} did not start:\n${managed.output()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
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
