import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "./world.js";

const root = path.resolve(import.meta.dirname, "../../../..");
const agentDir = path.join(root, "apps/agent");
const tools = path.join(root, ".tools/bin");

/** The real agent, run from source, with restic from .tools/bin or PATH. */
export interface AgentProcess {
  configFile: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function agentEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${tools}${path.delimiter}${process.env.PATH ?? ""}` };
}

function runAgent(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: agentDir,
    env: agentEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Enrolls a new agent with a fresh token from the admin client; returns its config file. */
export async function enrollAgent(admin: Client, serverUrl: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-agent-"));
  const configFile = path.join(dir, "agent.json");
  const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
  const child = runAgent([
    "enroll",
    "--server",
    serverUrl,
    "--token",
    token,
    "--config",
    configFile,
  ]);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`agent enroll failed (${code}): ${output}`);
  return configFile;
}

export function startAgent(configFile: string): AgentProcess {
  const child = runAgent(["run", "--config", configFile]);
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  return {
    configFile,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill(signal);
      await exited;
    },
  };
}

/** What `agent status` prints for an agent's config file. */
export async function agentStatus(configFile: string): Promise<string> {
  const child = runAgent(["status", "--config", configFile]);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  await once(child, "exit");
  return output;
}
