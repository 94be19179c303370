import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { expect } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./agents.js";
import { waitForJobEnd } from "./jobs.js";
import type { Client } from "./world.js";

/** The server a drill runs against: in-process (World) or a process of its own (ServerProcess). */
export interface DrillServer {
  url: string;
  admin: Client;
  close(): Promise<void>;
}

/**
 * What every fault drill stands on, all real: a server, rest-server on a data directory of
 * its own, enrolled agent processes each online as a host, and one registered repository
 * initialised by the first agent. With `appendOnly`, the endpoints reach the repository
 * through an append-only rest-server and the maintenance host through a second one with full
 * rights over the same data, as a production fleet is set up.
 */
export interface FaultWorld {
  admin: Client;
  /** The rest-server the endpoints back up through; a drill may stop it and put another here. */
  rest: RestServer;
  /** The rest-server's data directory, to start it again on the same data. */
  restDataDir: string;
  /** The full-rights rest-server of an append-only world. */
  maintenanceRest: RestServer | undefined;
  agents: AgentProcess[];
  /** The host of each agent, in the same order. */
  hostIds: string[];
  repositoryId: string;
  /** The repository as restic outside restic-manager reaches it, with full rights. */
  resticRepository(): string;
  /** Stops agents, rest-servers and the server (a drill's stopped or replaced parts too). */
  close(): Promise<void>;
}

export interface FaultWorldOptions {
  password: string;
  /** How many agents to enroll and start: 1 unless set. */
  agents?: number;
  /** The index of the agent that maintains the repository (forget, prune, unlock); none unless set. */
  maintenanceHost?: number;
  /** Endpoints append-only, the maintenance host with full rights (needs maintenanceHost). */
  appendOnly?: boolean;
  repositoryName?: string;
}

/** Builds a fault world on `server`; whatever was started is stopped again if a step fails. */
export async function startFaultWorld(
  server: DrillServer,
  options: FaultWorldOptions,
): Promise<FaultWorld> {
  const name = options.repositoryName ?? "drills";
  const restDataDir = mkdtempSync(path.join(tmpdir(), "rm-rest-"));
  const rest = await startRestServer(restDataDir, 15_000, {
    appendOnly: options.appendOnly === true,
  });
  const world: FaultWorld = {
    admin: server.admin,
    rest,
    restDataDir,
    maintenanceRest: undefined,
    agents: [],
    hostIds: [],
    repositoryId: "",
    resticRepository: () => (world.maintenanceRest ?? world.rest).repository(name),
    async close() {
      await Promise.all(
        world.agents.map(async (agent) => {
          agent.child.kill("SIGCONT"); // a drill may have left one frozen
          await agent.stop();
        }),
      );
      await world.rest.stop();
      await world.maintenanceRest?.stop();
      await server.close();
    },
  };
  try {
    if (options.appendOnly) world.maintenanceRest = await startRestServer(restDataDir);
    const configFiles = await Promise.all(
      Array.from({ length: options.agents ?? 1 }, () => enrollAgent(server.admin, server.url)),
    );
    world.agents = configFiles.map((configFile) => startAgent(configFile));
    world.hostIds = configFiles.map(
      (configFile) => (JSON.parse(readFileSync(configFile, "utf8")) as { hostId: string }).hostId,
    );
    await waitForAgentsOnline(server.admin, world.hostIds);
    const maintainer = options.maintenanceHost;
    const maintenanceHostId = maintainer === undefined ? undefined : world.hostIds[maintainer];
    const { repository, setupJobId } = await server.admin.repositories.create.mutate({
      name,
      url: world.rest.repository(name),
      password: options.password,
      ...(maintenanceHostId
        ? { maintenance: { url: world.resticRepository(), hostId: maintenanceHostId } }
        : {}),
      setup: { mode: "init", hostId: world.hostIds[0] ?? "" },
    });
    world.repositoryId = repository.id;
    const setup = await waitForJobEnd(server.admin, setupJobId);
    expect(setup.state, setup.error ?? "").toBe("succeeded");
    return world;
  } catch (error) {
    await world.close();
    throw error;
  }
}

/** Waits until every one of `hostIds` is online. */
export function waitForAgentsOnline(admin: Client, hostIds: string[], timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const online = new Set(
        (await admin.hosts.list.query({ limit: 200 })).items
          .filter((host) => host.online)
          .map((host) => host.id),
      );
      return hostIds.every((id) => online.has(id)) || undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${hostIds.length} agent(s) to come online` },
  );
}

/** The agent at `index` and its host. */
export function agentAt(world: FaultWorld, index: number): { agent: AgentProcess; hostId: string } {
  const agent = world.agents[index];
  const hostId = world.hostIds[index];
  if (!agent || !hostId) throw new Error(`the world has no agent ${index}`);
  return { agent, hostId };
}
