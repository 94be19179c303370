import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AGENT_LIMITS, type TJobParamsInput } from "@restic-manager/contracts";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, agentStatus, enrollAgent, startAgent } from "./support/agents.js";
import { randomTree, resultOf, startSlowBackup } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * The agent keeps its socket and its process whatever its output does: a result too large for
 * one message, and standard streams whose reader has gone. Real server, agent process, restic
 * and rest-server; one world, the cases in order (the second one closes the agent's pipes).
 */
describe("a real agent with an oversized result and a broken log pipe", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let agent: AgentProcess;
  let hostId: string;
  let repositoryId: string;

  /** Polls a job until it ends; fails at once when the agent process has exited. */
  function waitForEnd(id: string, timeoutMs = 60_000) {
    return waitFor(
      async () => {
        const { exitCode, signalCode } = agent.child;
        if (exitCode !== null || signalCode !== null) {
          throw new Error(`the agent exited (${exitCode ?? signalCode}) while job ${id} ran`);
        }
        const job = await admin.jobs.get.query({ id });
        return ["succeeded", "failed", "cancelled", "lost"].includes(job.state) ? job : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `job ${id} to end` },
    );
  }

  async function runJob(params: TJobParamsInput) {
    const { id } = await admin.jobs.create.mutate({ hostId, repositoryId, params });
    return waitForEnd(id);
  }

  /** Each (re)connection of the agent's command subscription is logged once by the server. */
  const agentConnections = () => world.logs.filter((l) => l.includes('"agent.connected"')).length;

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    agent = startAgent(await enrollAgent(admin, world.server.url));
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online),
      {
        timeoutMs: 30_000,
        what: "the agent to come online",
      },
    );
    hostId = host.id;
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "main",
      url: rest.repository("main"),
      password: "correct repository password",
      setup: { mode: "init", hostId },
    });
    repositoryId = repository.id;
    expect((await waitForEnd(setupJobId)).state).toBe("succeeded");
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("sends a listing over the message limit trimmed, and the server never closes its socket", async () => {
    const tree = mkdtempSync(path.join(tmpdir(), "rm-wide-"));
    const files = 5000;
    const nameLength = 150;
    for (let i = 0; i < files; i++) {
      writeFileSync(path.join(tree, `${String(i).padStart(6, "0")}-`.padEnd(nameLength, "n")), "");
    }
    // Each node carries its name twice (name and path): the names alone are over the limit.
    expect(2 * files * nameLength).toBeGreaterThan(AGENT_LIMITS.maxMessageBytes);
    const backup = await runJob({ kind: "backup", paths: [tree] });
    expect(backup.state, backup.error ?? "").toBe("succeeded");
    const snapshotId = resultOf(backup, "backup").snapshotId ?? "";

    const connections = agentConnections();
    const ls = await runJob({ kind: "ls", snapshotId });
    expect(ls.state).toBe("succeeded");
    expect(ls.error).toMatch(/the result \(\d+ bytes\) is too large to send/);
    expect(ls.result ?? null).toBeNull();
    // The next job runs on the same connection: no refusal (1009), no reconnect.
    expect((await runJob({ kind: "snapshots" })).state).toBe("succeeded");
    expect(agentConnections()).toBe(connections);
    expect(agent.output()).not.toContain("code 1009");
  }, 120_000);

  it("goes on with a backup when the reader of its stdout and stderr goes away mid-backup", async () => {
    // About 6 s of upload at 512 KiB/s: time enough to close the pipes while restic runs.
    const id = await startSlowBackup(admin, {
      hostId,
      repositoryId,
      paths: [randomTree(3)],
      limitUpload: 512,
    });
    agent.child.stdout?.destroy();
    agent.child.stderr?.destroy();

    // A job accepted now is logged: the first write into the closed pipe (EPIPE).
    const { id: queuedId } = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "snapshots" },
    });
    const backup = await waitForEnd(id);
    expect(backup.state, backup.error ?? "").toBe("succeeded");
    expect(resultOf(backup, "backup").snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect((await waitForEnd(queuedId)).state).toBe("succeeded");
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();

    // The agent says where it still can that its log output failed: in its status.
    const status = await waitFor(
      async () => {
        const text = await agentStatus(agent.configFile);
        return /Log: +output failed \(.*EPIPE.*\)/.test(text) ? text : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: "the status to report the failed log" },
    );
    expect(status).toMatch(/Connection: +connected/);
    expect((await runJob({ kind: "snapshots" })).state).toBe("succeeded");
  }, 120_000);
});
