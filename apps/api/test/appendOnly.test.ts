import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  changeTree,
  generateTree,
  type RestServer,
  startRestServer,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { resultOf, waitForJobEnd } from "./support/jobs.js";
import { type Client, codeOf, createWorld, type World } from "./support/world.js";

const root = path.resolve(import.meta.dirname, "../../..");
const restic = path.join(root, ".tools/bin/restic");
const PASSWORD = "repository password for the append-only test";

/** restic itself, outside restic-manager, as an attacker on an endpoint (or a checker) would run it. */
async function resticCli(repository: string, args: string[]) {
  try {
    const { stdout } = await promisify(execFile)(restic, ["--no-cache", ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: tmpdir(),
        RESTIC_REPOSITORY: repository,
        RESTIC_PASSWORD: PASSWORD,
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * Ransomware resistance with the real parts: one data directory served by two rest-servers,
 * one append-only (what endpoints get) and one with full rights (what the maintenance host
 * gets), two real agents, restic 0.18.
 */
describe("append-only endpoints and a maintenance host", () => {
  let world: World;
  let admin: Client;
  let appendOnly: RestServer;
  let fullRights: RestServer;
  let endpointAgent: AgentProcess;
  let maintenanceAgent: AgentProcess;
  let endpointId: string;
  let maintainerId: string;
  let repositoryId: string;
  let backupSetId: string;
  const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));

  const waitForEnd = (id: string, timeoutMs?: number) => waitForJobEnd(admin, id, timeoutMs);

  async function run(
    hostId: string,
    params: Parameters<typeof admin.jobs.create.mutate>[0]["params"],
  ) {
    const { id } = await admin.jobs.create.mutate({ hostId, repositoryId, params });
    return waitForEnd(id);
  }

  /**
   * Waits until the repository's health comes from a health job started after `after`: one
   * that ran before a change may still finish after it, with the figures from before.
   */
  async function freshHealth(after: Date) {
    return waitFor(
      async () => {
        const repository = await admin.repositories.get.query({ id: repositoryId });
        if (!repository.healthJobId) return undefined;
        const job = await admin.jobs.get.query({ id: repository.healthJobId });
        return job.state === "succeeded" && job.createdAt > after ? repository : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "the health to refresh" },
    );
  }

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    const data = mkdtempSync(path.join(tmpdir(), "rm-rest-"));
    appendOnly = await startRestServer(data, 15_000, { appendOnly: true });
    fullRights = await startRestServer(data);
    await generateTree(tree);

    endpointAgent = startAgent(await enrollAgent(admin, world.server.url));
    endpointId = (
      await waitFor(async () => (await admin.hosts.list.query()).items.find((h) => h.online), {
        timeoutMs: 30_000,
        what: "the endpoint agent",
      })
    ).id;
    maintenanceAgent = startAgent(await enrollAgent(admin, world.server.url));
    maintainerId = (
      await waitFor(
        async () =>
          (await admin.hosts.list.query()).items.find((h) => h.online && h.id !== endpointId),
        { timeoutMs: 30_000, what: "the maintenance agent" },
      )
    ).id;
  });

  afterAll(async () => {
    await endpointAgent?.stop();
    await maintenanceAgent?.stop();
    await appendOnly?.stop();
    await fullRights?.stop();
    await world?.close();
  });

  it("registers the repository: initialised by the endpoint through the append-only server", async () => {
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "fleet",
      url: appendOnly.repository("fleet"),
      password: PASSWORD,
      maintenance: { url: fullRights.repository("fleet"), hostId: maintainerId },
      setup: { mode: "init", hostId: endpointId },
    });
    repositoryId = repository.id;
    const setup = await waitForEnd(setupJobId);
    expect(setup).toMatchObject({ state: "succeeded", endpoint: "backup" });
    const listed = await admin.repositories.get.query({ id: repositoryId });
    expect(listed).toMatchObject({ status: "ready", maintenanceHostId: maintainerId });
  });

  it("backs up from the endpoint through a backup set, tagged with the host and the set", async () => {
    const set = await admin.backupSets.create.mutate({
      name: "home",
      hostId: endpointId,
      repositoryId,
      options: { paths: [tree], tags: ["daily"] },
    });
    backupSetId = set.id;
    for (const step of ["first", "second"]) {
      if (step === "second") await changeTree(tree);
      const { jobId } = await admin.backupSets.run.mutate({ id: set.id });
      const job = await waitForEnd(jobId);
      expect(job, job.error ?? "").toMatchObject({ state: "succeeded", endpoint: "backup" });
    }
    const listed = await resticCli(fullRights.repository("fleet"), ["snapshots", "--json"]);
    const snapshots = JSON.parse(listed.stdout) as Array<{ tags: string[] }>;
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]?.tags).toEqual(["daily", `rm-host:${endpointId}`, `rm-set:${set.id}`]);
  });

  it("never sends forget, prune or unlock to the endpoint, and says why", async () => {
    for (const params of [
      { kind: "forget" as const, policy: { keepLast: 1 } },
      { kind: "prune" as const },
      { kind: "unlock" as const },
    ]) {
      const refused = admin.jobs.create.mutate({ hostId: endpointId, repositoryId, params });
      await expect(refused).rejects.toThrow(/runs only on .*: other hosts have append-only access/);
      expect(
        await codeOf(admin.jobs.create.mutate({ hostId: endpointId, repositoryId, params })),
      ).toBe("FORBIDDEN");
    }
    const endpointJobs = await admin.jobs.list.query({ hostId: endpointId });
    expect(endpointJobs.items.map((j) => j.kind).sort()).toEqual(["backup", "backup", "init"]);
  });

  it("restic forget with the endpoint's credentials fails, and the snapshot is still there", async () => {
    const attack = await resticCli(appendOnly.repository("fleet"), [
      "forget",
      "--keep-last",
      "1",
      "--prune",
    ]);
    expect(attack.code).not.toBe(0);
    const after = await resticCli(appendOnly.repository("fleet"), ["snapshots", "--json"]);
    expect(JSON.parse(after.stdout)).toHaveLength(2);
  });

  it("the same forget through the maintenance host succeeds", async () => {
    const job = await run(maintainerId, {
      kind: "forget",
      policy: { keepLast: 1 },
      tags: [`rm-set:${backupSetId}`],
    });
    expect(job, job.error ?? "").toMatchObject({ state: "succeeded", endpoint: "maintenance" });
    expect(resultOf(job, "forget").removedCount).toBe(1);
    const after = await resticCli(fullRights.repository("fleet"), ["snapshots", "--json"]);
    expect(JSON.parse(after.stdout)).toHaveLength(1);
    await freshHealth(job.finishedAt ?? new Date());
  });

  it("health figures match restic's own stats and snapshots", async () => {
    const repository = await admin.repositories.get.query({ id: repositoryId });
    const repo = fullRights.repository("fleet");
    const restoreSize = JSON.parse((await resticCli(repo, ["stats", "--json"])).stdout) as {
      total_size: number;
    };
    const rawData = JSON.parse(
      (await resticCli(repo, ["stats", "--mode", "raw-data", "--json"])).stdout,
    ) as {
      total_size: number;
    };
    const snapshots = JSON.parse((await resticCli(repo, ["snapshots", "--json"])).stdout) as Array<{
      hostname: string;
      time: string;
    }>;
    expect(repository.snapshotCount).toBe(snapshots.length);
    expect(repository.totalSize).toBe(restoreSize.total_size);
    expect(repository.rawSize).toBe(rawData.total_size);
    expect(repository.dedupRatio).toBeCloseTo(restoreSize.total_size / rawData.total_size, 6);
    expect(repository.hosts).toEqual([
      { host: snapshots[0]?.hostname, snapshotCount: 1, lastSnapshotAt: snapshots[0]?.time },
    ]);
    expect(repository.locks).toEqual([]);
    expect(repository.appendOnlyHosts).toEqual([{ id: endpointId, name: expect.any(String) }]);
    expect(repository.history.length).toBeGreaterThanOrEqual(2);
  });

  it("shows a lock left by a killed restic as stale, and unlock on the maintenance host clears it", async () => {
    const big = mkdtempSync(path.join(tmpdir(), "rm-big-"));
    writeFileSync(path.join(big, "random.bin"), randomBytes(8 * 1024 * 1024));
    const victim = spawn(restic, ["--no-cache", "backup", "--limit-upload", "64", big], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: tmpdir(),
        RESTIC_REPOSITORY: appendOnly.repository("fleet"),
        RESTIC_PASSWORD: PASSWORD,
      },
      stdio: "ignore",
    });
    const locksOf = async () => {
      const listed = await resticCli(fullRights.repository("fleet"), [
        "list",
        "locks",
        "--no-lock",
      ]);
      return listed.stdout.split("\n").filter(Boolean);
    };
    await waitFor(async () => ((await locksOf()).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: "restic to take its lock",
    });
    const exited = once(victim, "exit");
    victim.kill("SIGKILL");
    await exited;
    const [lockId] = await locksOf();

    const before = new Date();
    await admin.repositories.refreshHealth.mutate({ id: repositoryId });
    const locked = await freshHealth(before);
    expect(locked.locks).toHaveLength(1);
    expect(locked.locks[0]).toMatchObject({ id: lockId, stale: true, staleReason: "process-gone" });
    expect(locked.staleLocks).toBe(1);

    const unlock = await run(maintainerId, { kind: "unlock" });
    expect(unlock).toMatchObject({ state: "succeeded", endpoint: "maintenance" });
    expect(resultOf(unlock, "unlock").removedLocks).toBe(1);
    // Other jobs (the health refresh that follows) may hold locks of their own meanwhile.
    expect(await locksOf()).not.toContain(lockId);
    const cleared = await freshHealth(unlock.finishedAt ?? new Date());
    expect(cleared.locks.map((l) => l.id)).not.toContain(lockId);
    expect(cleared.staleLocks).toBe(0);
  });

  it("keeps write-only fields that an update leaves out", async () => {
    const before = await admin.repositories.get.query({ id: repositoryId });
    expect(before.setupJobId).toMatch(/\w+/);
    await admin.repositories.update.mutate({
      id: repositoryId,
      maintenance: { hostId: maintainerId },
    });
    const after = await admin.repositories.get.query({ id: repositoryId });
    expect(after.maintenanceDisplayUrl).toBe(before.maintenanceDisplayUrl);
    expect(after.maintenanceHostId).toBe(maintainerId);
    expect(JSON.stringify(after)).not.toContain(PASSWORD);
    const check = await run(maintainerId, { kind: "check" });
    expect(check).toMatchObject({ state: "succeeded", endpoint: "maintenance" });
  });

  it("refuses to delete a repository that backup sets still use, and changes nothing", async () => {
    const refused = admin.repositories.remove.mutate({ id: repositoryId });
    await expect(refused).rejects.toThrow(
      /used by backup sets "home" on .*: remove or move them first/,
    );
    expect((await admin.repositories.list.query()).items.map((r) => r.name)).toEqual(["fleet"]);
  });
});
