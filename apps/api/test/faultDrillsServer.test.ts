import { TERMINAL_JOB_STATES } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcess } from "./support/agents.js";
import { agentAt, type FaultWorld, startFaultWorld } from "./support/faultWorld.js";
import { randomTree, resultOf, startSlowBackup } from "./support/jobs.js";
import { snapshotsOfPaths } from "./support/resticCli.js";
import { type ServerProcess, startServerProcess } from "./support/serverProcess.js";
import type { Client } from "./support/world.js";

const PASSWORD = "repository password for the server drills";
const LOST_AFTER_SECONDS = 10;

/**
 * Fault drill: the server process SIGKILLed while a backup runs, with a job queued behind it on
 * the agent and an exclusive check held back on the server, then started again, with real
 * restic, rest-server and the agent process. Once before RM_JOB_LOST_AFTER runs out (the agent
 * is back at once), once after it (the agent frozen past it, so the job is marked lost first).
 * Either way each job ends succeeded, the backup maps to exactly one snapshot in restic's own
 * list, and no job is lost or added. (agentJobs.test.ts covers a graceful restart.)
 */
describe("fault drill: the server SIGKILLed during a backup", () => {
  let server: ServerProcess;
  let world: FaultWorld;
  let admin: Client;
  let agent: AgentProcess;
  let hostId: string;
  let repositoryId: string;

  beforeAll(async () => {
    server = await startServerProcess({ RM_JOB_LOST_AFTER: `${LOST_AFTER_SECONDS}s` });
    admin = await server.signIn("admin");
    world = await startFaultWorld(
      { url: server.url, admin, close: () => server.close() },
      {
        password: PASSWORD,
      },
    );
    ({ agent, hostId } = agentAt(world, 0));
    repositoryId = world.repositoryId;
  });

  afterAll(async () => {
    await (world ? world.close() : server?.close());
  });

  /** A slow backup running, a listing queued behind it on the agent, a check held on the server. */
  async function backupWithJobsQueued() {
    const since = new Date(Date.now() - 1000);
    const tree = randomTree(3);
    const backupId = await startSlowBackup(admin, {
      hostId,
      repositoryId,
      paths: [tree],
      limitUpload: 512,
    });
    const snapshots = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "snapshots" },
    });
    const check = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "check" },
    });
    const state = async (id: string) => (await admin.jobs.get.query({ id })).state;
    await waitFor(async () => (await state(snapshots.id)) === "dispatched" || undefined, {
      timeoutMs: 10_000,
      what: "the listing to reach the agent",
    });
    expect(await state(check.id)).toBe("queued");
    expect(await state(backupId)).toBe("running"); // so what follows happens mid-backup
    return { tree, ids: [backupId, snapshots.id, check.id], since };
  }

  /** A job's end; a lost one may still take its result from the agent, so lost is waited past. */
  function settled(id: string) {
    return waitFor(
      async () => {
        const job = await admin.jobs.get.query({ id });
        return TERMINAL_JOB_STATES.includes(job.state) && job.state !== "lost" ? job : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `job ${id} to end other than lost` },
    );
  }

  /** Every job of the host created since `since`, by kind and state. */
  async function jobsSince(since: Date) {
    const page = await admin.jobs.list.query({ hostId, from: since, limit: 200 });
    return page.items.map((job) => ({ id: job.id, kind: job.kind, state: job.state }));
  }

  async function expectEachSucceededOnce(drill: { tree: string; ids: string[]; since: Date }) {
    const [backupId = "", snapshotsId = "", checkId = ""] = drill.ids;
    const ended = await Promise.all(drill.ids.map((id) => settled(id)));
    expect(ended.map((job) => [job.id, job.state, job.error])).toEqual(
      drill.ids.map((id) => [id, "succeeded", null]),
    );
    const snapshotId = ended[0] && resultOf(ended[0], "backup").snapshotId;
    const inRestic = await snapshotsOfPaths(world.resticRepository(), PASSWORD, [drill.tree]);
    expect(inRestic.map((s) => s.id)).toEqual([snapshotId]);
    // Nothing lost, nothing run twice: the three jobs, and the health refreshes the backup's
    // success asks for, all succeeded.
    const jobs = await jobsSince(drill.since);
    const created = jobs.filter((job) => job.kind !== "health");
    expect(created.map((job) => job.id).sort()).toEqual([backupId, snapshotsId, checkId].sort());
    expect(jobs.filter((job) => ["failed", "lost", "cancelled"].includes(job.state))).toEqual([]);
  }

  it("restarted before RM_JOB_LOST_AFTER: the backup and the jobs queued behind it each succeed once", {
    timeout: 90_000,
  }, async () => {
    const drill = await backupWithJobsQueued();
    await server.kill("SIGKILL");
    await server.start();
    admin = await server.signIn("admin");
    await expectEachSucceededOnce(drill);
    const host = await admin.hosts.get.query({ id: hostId });
    expect(host.lastBackupJobId).toBe(drill.ids[0]);
  });

  it("restarted after RM_JOB_LOST_AFTER: the job is marked lost, then takes its real result once: succeeded", {
    timeout: 90_000,
  }, async () => {
    const drill = await backupWithJobsQueued();
    const [backupId = ""] = drill.ids;
    // The agent frozen (restic goes on without it): to the new server, the host stays away.
    agent.child.kill("SIGSTOP");
    await server.kill("SIGKILL");
    await server.start();
    admin = await server.signIn("admin");
    const lost = await waitFor(
      async () => {
        const job = await admin.jobs.get.query({ id: backupId });
        return job.state === "lost" ? job : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, what: "the backup to be marked lost" },
    );
    expect(lost.error).toBe("the host went away and did not come back in time");
    agent.child.kill("SIGCONT");
    await expectEachSucceededOnce(drill);
  });
});
