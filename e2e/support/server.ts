import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVER_MAIN = path.join(REPO_ROOT, "apps/api/dist/main.js");
const WEB_DIR = path.join(REPO_ROOT, "apps/web/dist");
const PRISMA = path.join(REPO_ROOT, "node_modules/.bin/prisma");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface TestServer {
  url: string;
  dataDir: string;
  /** Everything the server printed so far. */
  logs(): string;
  /** Runs the server's CLI against the same data directory. */
  cli(args: string[], stdin?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Creates a fresh data directory, migrates it, starts the real server and waits until healthy. */
export async function startTestServer(): Promise<TestServer> {
  for (const built of [SERVER_MAIN, path.join(WEB_DIR, "index.html")]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "pnpm build" first`);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "rm-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...withoutServerSettings(process.env),
    RM_DATA_DIR: dataDir,
    RM_PORT: String(port),
    RM_HOST: "127.0.0.1",
    RM_PUBLIC_URL: url,
    RM_WEB_DIR: WEB_DIR,
    RM_LOG_LEVEL: "info",
  };
  await run(PRISMA, ["migrate", "deploy"], { env });

  let output = "";
  const child = spawn(process.execPath, [SERVER_MAIN, "serve"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });

  const stop = async () => {
    await terminate(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child);
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n--- server output ---\n${output}`);
  }

  return {
    url,
    dataDir,
    logs: () => output,
    cli: (args, stdin) => run(process.execPath, [SERVER_MAIN, ...args], { env, stdin }),
    stop,
  };
}

/** The caller's own RM_* settings must not leak into the server under test. */
function withoutServerSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("RM_")));
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

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy at ${url} within ${START_TIMEOUT_MS} ms`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdin?: string | undefined },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: options.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(output);
      else
        reject(new Error(`${path.basename(command)} ${args.join(" ")} exited ${code}\n${output}`));
    });
    child.stdin.end(options.stdin ?? "");
  });
}
