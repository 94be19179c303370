import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { AGENT_DIR, toolsEnv } from "./paths.js";

/** A real agent process run from source, with restic from .tools/bin. */
export interface SpawnedAgent {
  child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Signals it (SIGTERM unless told) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `agent <args>` from source; stdout and stderr are collected. `launcher` is a command
 * that execs the agent after setting up its surroundings (a mount namespace, say).
 */
export function spawnAgent(args: string[], launcher: string[] = []): SpawnedAgent {
  const [command = process.execPath, ...rest] = [
    ...launcher,
    process.execPath,
    ...["--import", "tsx", "src/main.ts", ...args],
  ];
  const child = spawn(command, rest, {
    cwd: AGENT_DIR,
    env: toolsEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return {
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

/** `agent enroll`: trades a one-time token for the agent config written to `configFile`. */
export async function enrollAgentConfig(options: {
  serverUrl: string;
  token: string;
  configFile: string;
}): Promise<void> {
  const agent = spawnAgent([
    "enroll",
    "--server",
    options.serverUrl,
    "--token",
    options.token,
    "--config",
    options.configFile,
  ]);
  const [code] = (await once(agent.child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`agent enroll exited ${code}:\n${agent.output()}`);
}
