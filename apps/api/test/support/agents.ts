import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { enrollAgentConfig, type SpawnedAgent, spawnAgent } from "@restic-manager/test-support";
import type { Client } from "./world.js";

/** A running agent and the config file it was started with. */
export interface AgentProcess extends SpawnedAgent {
  configFile: string;
}

/** Enrolls a new agent with a fresh token from the admin client; returns its config file. */
export async function enrollAgent(admin: Client, serverUrl: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-agent-"));
  const configFile = path.join(dir, "agent.json");
  const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
  await enrollAgentConfig({ serverUrl, token, configFile });
  return configFile;
}

export function startAgent(configFile: string): AgentProcess {
  return { configFile, ...spawnAgent(["run", "--config", configFile]) };
}

/** What `agent status` prints for an agent's config file. */
export async function agentStatus(configFile: string): Promise<string> {
  const agent = spawnAgent(["status", "--config", configFile]);
  await once(agent.child, "exit");
  return agent.output();
}
