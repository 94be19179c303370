import { waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, startAgent } from "./support/agents.js";
import { agentAt, type FaultWorld, startFaultWorld } from "./support/faultWorld.js";
import { randomTree, resultOf, startSlowBackup, waitForJobEnd } from "./support/jobs.js";
import { lockIds, snapshotsOfPaths } from "./support/resticCli.js";
import { type Client, createWorld, type World } from "./support/world.js";

const PASSWORD = "repository password for the agent drill";

/**
 * Fault drill: the agent process SIGKILLed while restic backs up, with the real server,
 * restic, rest-server and agent. appendOnly.test.ts shows a lock of a killed restic as stale
 * and clears it from a separate maintenance host; here the agent itself is killed, so its job
 * must end with a reason and its restic's lock must be found and cleared the same way.
 */
describe("fault drill: the agent SIGKILLed during a backup", () => {
  let server: World;
  let world: FaultWorld;
  let admin: Client;
  let agent: AgentProcess;
  let hostId: string;
  let repositoryId: string;

  beforeAll(async () => {
    server = await createWorld({ RM_JOB_LOST_AFTER: "10s" });
    await server.addUser("admin", "admin");
    admin = await server.signIn("admin");
    world = await startFaultWorld(
      { url: server.server.url, admin, close: () => server.close() },
      {
        password: PASSWORD,
        // The same host maintains the repository: unlock may run there.
        maintenanceHost: 0,
      },
    );
    ({ agent, hostId } = agentAt(world, 0));
    repositoryId = world.repositoryId;
  });

  afterAll(async () => {
    await (world ? world.close() : server?.close());
  });

  /** The repository's health from a health job created after `after`. */
  async function freshHealth(after: Date) {
    return waitFor(
      async () => {
        const repository = await admin.repositories.get.query({ id: repositoryId });
        if (!repository.healthJobId) return undefined;
        const job = await admin.jobs.get.query({ id: repository.healthJobId });
        return job.state === "succeeded" && job.createdAt > after ? repository : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the health to refresh" },
    );
  }

  it("the job ends with the reason, the stale lock is shown and unlocked on the maintenance host, and the next backup succeeds", {
    timeout: 90_000,
  }, async () => {
    const repository = world.resticRepository();
    const tree = randomTree(3);
    const id = await startSlowBackup(admin, {
      hostId,
      repositoryId,
      paths: [tree],
      limitUpload: 256,
    });
    await waitFor(async () => (await lockIds(repository, PASSWORD)).length > 0 || undefined, {
      timeoutMs: 15_000,
      what: "restic to hold its lock",
    });
    const before = await lockIds(repository, PASSWORD);
    await agent.stop("SIGKILL");

    // While the agent stays away, RM_JOB_LOST_AFTER decides: the job is lost, and says why.
    const lost = await waitForJobEnd(admin, id, 45_000);
    expect([lost.state, lost.error]).toEqual([
      "lost",
      "the host went away and did not come back in time",
    ]);
    // Once the agent is back (a service manager restarts it), it says what became of the job.
    agent = startAgent(agent.configFile);
    world.agents[0] = agent;
    const failed = await waitFor(
      async () => {
        const job = await admin.jobs.get.query({ id });
        return job.state === "failed" ? job : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the agent to report the interrupted job" },
    );
    expect(failed.error).toBe("the agent stopped while this job was running");
    // restic died with its agent: no snapshot, and its lock is left behind.
    expect(await snapshotsOfPaths(repository, PASSWORD, [tree])).toEqual([]);
    const left = await lockIds(repository, PASSWORD);
    expect(left).toEqual(before);

    const refreshed = new Date();
    await admin.repositories.refreshHealth.mutate({ id: repositoryId });
    const locked = await freshHealth(refreshed);
    expect(locked.locks.map((l) => [l.id, l.stale, l.staleReason])).toEqual(
      left.map((lockId) => [lockId, true, "process-gone"]),
    );

    const unlock = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "unlock" },
    });
    const unlocked = await waitForJobEnd(admin, unlock.id);
    expect(unlocked).toMatchObject({ state: "succeeded", endpoint: "maintenance" });
    expect(resultOf(unlocked, "unlock").removedLocks).toBe(left.length);
    for (const lockId of left) expect(await lockIds(repository, PASSWORD)).not.toContain(lockId);

    const again = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "backup", paths: [tree] },
    });
    const backup = await waitForJobEnd(admin, again.id);
    expect(backup.state, backup.error ?? "").toBe("succeeded");
    const snapshots = await snapshotsOfPaths(repository, PASSWORD, [tree]);
    expect(snapshots.map((s) => s.id)).toEqual([resultOf(backup, "backup").snapshotId]);
  });
});
