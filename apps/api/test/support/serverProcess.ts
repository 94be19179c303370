import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@restic-manager/test-support";
import { createUser } from "../../src/users/service.js";
import { newTestDatabase, type TestDatabase } from "./testDatabase.js";
import { type Client, makeClient, PASSWORD } from "./world.js";

const API_DIR = path.resolve(import.meta.dirname, "../..");

/**
 * The server bundled from source as the product ships it (apps/api/build.mjs: esbuild, packages
 * external) into apps/api/.tmp, so that its packages resolve from the API's node_modules. Plain
 * node starts it in a third of the time tsx takes on a busy machine, which keeps a drill that
 * restarts the server many times within its time.
 */
function bundleServer(): { entry: string; dir: string } {
  const dir = mkdtempSync(path.join(API_DIR, ".tmp", "test-server-"));
  const entry = path.join(dir, "main.js");
  execFileSync(process.execPath, ["build.mjs", "src/main.ts", entry], { cwd: API_DIR });
  return { entry, dir };
}

/**
 * The real server as a process of its own (`restic-manager serve`, bundled from source), so a
 * test can SIGKILL it mid-job and start it again on the same data directory and port: what a
 * crash and a service manager's restart do. World (in-process) cannot be killed that way.
 */
export interface ServerProcess {
  url: string;
  dataDir: string;
  /** Everything every run of the server printed so far. */
  output(): string;
  /** Signals the running server and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts the server again (after kill) and waits until it answers /healthz. */
  start(): Promise<void>;
  signIn(username: string): Promise<Client>;
  close(): Promise<void>;
}

/**
 * A migrated data directory with an admin in it, and the server started on it. `database`
 * puts it on a database the caller made (and already gave an admin: another replica's).
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  options: { database?: TestDatabase } = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rm-proc-"));
  const database = options.database ?? (await newTestDatabase(dataDir));
  if (!options.database) {
    const db = await database.open();
    try {
      await createUser(
        db,
        { username: "admin", role: "admin", password: PASSWORD },
        {
          type: "system",
          name: "test",
        },
      );
    } finally {
      await db.$disconnect();
    }
  }
  mkdirSync(path.join(API_DIR, ".tmp"), { recursive: true });
  const bundle = bundleServer();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  let child: ChildProcess | undefined;

  const start = async () => {
    const started = spawn(process.execPath, [bundle.entry, "serve"], {
      cwd: API_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        RM_DATA_DIR: dataDir,
        RM_PORT: String(port),
        RM_HOST: "127.0.0.1",
        RM_LOG_LEVEL: "info",
        ...database.env,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    const append = (chunk: Buffer) => {
      output += chunk.toString();
    };
    started.stdout?.on("data", append);
    started.stderr?.on("data", append);
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`the server exited:\n${output}`);
        try {
          return (await fetch(`${url}/healthz`)).ok || undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the server to answer /healthz" },
    );
  };

  const kill = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill(signal);
    await exited;
  };

  await start();
  return {
    url,
    dataDir,
    output: () => output,
    kill,
    start,
    async signIn(username) {
      const client = makeClient(url);
      await client.auth.login.mutate({ username, password: PASSWORD });
      return client;
    },
    async close() {
      await kill("SIGKILL");
      if (!options.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(bundle.dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
