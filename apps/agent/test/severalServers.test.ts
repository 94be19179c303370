/// <reference path="../../api/test/support/globalSetup.ts" />
// (the test context the servers below are made from: the migrated template database)
import { once } from "node:events";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  enrollAgentConfig,
  generateTree,
  type RestServer,
  type SpawnedAgent,
  spawnAgent,
  startRestServer,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitForJobEnd } from "../../api/test/support/jobs.js";
import { type Client, createWorld, jarOf, type World } from "../../api/test/support/world.js";
import { readAgentConfig, writeAgentConfig } from "../src/config.js";
import { CONNECT_TIMEOUT_MS } from "../src/link.js";

/** A loopback URL nothing listens on: connections to it are refused at once. */
async function deadUrl(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const taken = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(taken));
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** The JSON lines the agent logged for `event`, in order. */
function logged(agent: SpawnedAgent, event: string, from = 0): Array<Record<string, unknown>> {
  return agent
    .output()
    .slice(from)
    .split("\n")
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What `agent status` prints for the agent of `configFile`. */
async function statusOf(configFile: string): Promise<string> {
  const status = spawnAgent(["status", "--config", configFile]);
  await once(status.child, "exit");
  return status.output();
}

/** Waits until the agent logs `event` with `fields` (after output offset `from`). */
function waitForLine(
  agent: SpawnedAgent,
  event: string,
  fields: (line: Record<string, unknown>) => boolean,
  options: { from?: number; timeoutMs?: number } = {},
) {
  return waitFor(() => logged(agent, event, options.from).find(fields), {
    timeoutMs: options.timeoutMs ?? 30_000,
    intervalMs: 50,
    what: `the agent to log ${event}:\n${agent.output().slice(-3000)}`,
  });
}

/**
 * The agent given several servers, against real API servers on loopback and the real agent
 * process: it skips a server that does not answer, moves to another when the one it is on goes
 * away, starts its back-off over once a server has accepted it, and sends its downloads to the
 * server it is connected to. Two servers share the host's credential the way replicas on one
 * database do: the second runs on a copy of the first's data directory, made after enrolment.
 */
describe("an agent with several server URLs (real servers, real agent)", () => {
  let first: World;
  let second: World;
  let secondDir = "";
  let admin: Client;
  let adminOfSecond: Client;
  let enrolled = "";
  let hostId = "";
  let rest: RestServer;
  let agent: SpawnedAgent | undefined;
  const scratch: string[] = [];

  /** An agent config for the enrolled host naming `urls`, in a folder of its own. */
  function configFor(urls: string[]): string {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-agent-servers-"));
    scratch.push(dir);
    const { serverUrl: _enrolledWith, ...config } = readAgentConfig(enrolled);
    const file = path.join(dir, "agent.json");
    writeAgentConfig(file, { ...config, serverUrls: urls, stateDir: path.join(dir, "state") });
    return file;
  }

  const onlineOn = async (client: Client) =>
    (await client.hosts.list.query()).items.find((host) => host.id === hostId)?.online ?? false;

  beforeAll(async () => {
    first = await createWorld();
    await first.addUser("admin", "admin");
    admin = await first.signIn("admin");
    const dir = mkdtempSync(path.join(tmpdir(), "rm-agent-servers-"));
    scratch.push(dir);
    enrolled = path.join(dir, "agent.json");
    const { token } = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
    await enrollAgentConfig({ serverUrl: first.server.url, token, configFile: enrolled });
    hostId = readAgentConfig(enrolled).hostId;
    // The copy is taken while the first server is stopped, so its database is whole.
    secondDir = mkdtempSync(path.join(tmpdir(), "rm-second-server-"));
    await first.restart(async () => cpSync(first.dataDir, secondDir, { recursive: true }));
    second = await createWorld({ RM_DATA_DIR: secondDir });
    adminOfSecond = await second.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
  }, 120_000);

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  afterAll(async () => {
    await rest?.stop();
    await first?.close();
    await second?.close();
    if (secondDir) rmSync(secondDir, { recursive: true, force: true });
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("with a dead URL first, connects to the live one, and a download goes to the live one", async () => {
    const dead = await deadUrl();
    const live = first.server.url;
    agent = spawnAgent(["run", "--config", configFor([dead, live])]);
    await waitForLine(agent, "reconciled", (line) => line.server === live);
    expect(logged(agent, "connection.retry")[0]).toMatchObject({ server: live, failedRounds: 0 });
    expect(logged(agent, "connection")).toContainEqual(
      expect.objectContaining({ state: "connected", server: live }),
    );
    expect(await onlineOn(admin)).toBe(true);

    // A download: restic dumps a file from a snapshot into an upload to the server. Sent to the
    // first URL of the config (dead), it would fail.
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "main",
      url: rest.repository("main"),
      password: "repository password of the several-servers test",
      setup: { mode: "init", hostId },
    });
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    const tree = mkdtempSync(path.join(tmpdir(), "rm-servers-tree-"));
    scratch.push(tree);
    await generateTree(tree);
    const set = await admin.backupSets.create.mutate({
      name: "tree",
      hostId,
      repositoryId: repository.id,
      options: { paths: [tree] },
    });
    const done = await waitForJobEnd(
      admin,
      (await admin.backupSets.run.mutate({ id: set.id })).jobId,
    );
    expect(done.state).toBe("succeeded");
    const { snapshotId } = done.result as { snapshotId: string };
    const file = path.join(tree, "photos", "photo-3.bin");
    const link = await admin.downloads.prepare.mutate({
      repositoryId: repository.id,
      snapshotId,
      preferHostId: hostId,
      path: file,
    });
    const response = await fetch(`${live}${link.url}`, {
      headers: { cookie: jarOf(admin).cookie ?? "" },
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(file))).toBe(true);
  }, 120_000);

  it("gives up on a server that takes the connection but never answers, and connects to the next", async () => {
    // What a server whose process hangs looks like: the port is open, nothing answers on it.
    const held: Socket[] = [];
    const hung = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const { port } = hung.address() as AddressInfo;
    const live = first.server.url;
    try {
      agent = spawnAgent(["run", "--config", configFor([`http://127.0.0.1:${port}`, live])]);
      await waitForLine(agent, "reconciled", (line) => line.server === live, {
        timeoutMs: CONNECT_TIMEOUT_MS + 30_000,
      });
      expect(held.length).toBeGreaterThan(0);
      expect(logged(agent, "connection.retry")[0]).toMatchObject({ server: live, failedRounds: 0 });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  }, 120_000);

  it("when the server it is on goes away, reconnects to the other one", async () => {
    const [one, other] = [first.server.url, second.server.url];
    const configFile = configFor([one, other]);
    agent = spawnAgent(["run", "--config", configFile]);
    const running = agent;
    await waitForLine(running, "reconciled", (line) => line.server === one);
    expect(await onlineOn(admin)).toBe(true);
    expect(await onlineOn(adminOfSecond)).toBe(false);

    const mark = running.output().length;
    await first.restart(async () => {
      await waitForLine(running, "reconciled", (line) => line.server === other, { from: mark });
      await waitFor(() => onlineOn(adminOfSecond), { timeoutMs: 10_000, what: "online on B" });
    });
    // The log says which server the connection was lost to and which one took the agent.
    expect(logged(running, "connection", mark).map((line) => [line.state, line.server])).toEqual([
      ["disconnected", one],
      ["connected", other],
    ]);
    // The first attempt after the loss went to the other server, with the shortest wait.
    expect(logged(running, "connection.retry", mark)[0]).toMatchObject({
      server: other,
      failedRounds: 0,
    });
    // Back on its feet, the first server does not take the agent back: it stays where it is.
    expect(await onlineOn(admin)).toBe(false);
    expect(logged(running, "reconciled", mark).map((line) => line.server)).toEqual([other]);
    // `agent status` names the server it is on, and the ones it may use.
    const status = await statusOf(configFile);
    expect(status).toContain(`Server:      ${other} (this host:`);
    expect(status).toContain(`Servers:     ${one}, ${other}`);
    expect(status).toMatch(/Connection: +connected/);
  }, 120_000);

  it("backs off while no server answers, and starts the back-off over once one accepts it", async () => {
    const dead = await deadUrl();
    const live = first.server.url;
    let running: SpawnedAgent | undefined;
    // Both down: the waits grow round by round.
    await first.restart(async () => {
      running = spawnAgent(["run", "--config", configFor([live, dead])]);
      agent = running;
      const started = running;
      await waitForLine(started, "connection.retry", (line) => Number(line.failedRounds) >= 2);
    });
    if (!running) throw new Error("the agent did not start");
    const agentProcess = running;
    await waitForLine(agentProcess, "reconciled", (line) => line.server === live);
    const rounds = logged(agentProcess, "connection.retry").map((line) => line.failedRounds);
    expect(rounds.slice(0, 4)).toEqual([0, 1, 1, 2]);

    // Accepted; now the server goes away again: the first wait is the shortest one more.
    const mark = agentProcess.output().length;
    await first.restart(async () => {
      await waitForLine(agentProcess, "connection.retry", () => true, { from: mark });
    });
    const [afterLoss] = logged(agentProcess, "connection.retry", mark);
    expect(afterLoss).toMatchObject({ server: dead, failedRounds: 0 });
    expect(Number(afterLoss?.inMs)).toBeLessThanOrEqual(1500);
    await waitForLine(agentProcess, "reconciled", (line) => line.server === live, { from: mark });
  }, 120_000);
});
