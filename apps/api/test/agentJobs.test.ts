import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TJobParamsInput } from "@restic-manager/contracts";
import {
  changeTree,
  describeTree,
  generateTree,
  type RestServer,
  startRestServer,
  TREE_CHANGES,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, agentStatus, enrollAgent, startAgent } from "./support/agents.js";
import { randomTree, resultOf, startSlowBackup, waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

/**
 * The whole path with real parts: server, the agent process, restic 0.18 and rest-server
 * on loopback. One world for the file; the cases run in order, each building on the last.
 */
describe("jobs through a real agent, restic and rest-server", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let agent: AgentProcess;
  let hostId: string;
  let repositoryId: string;
  const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));
  const snapshots: string[] = [];

  async function runJob(params: TJobParamsInput, timeoutMs = 60_000) {
    const { id } = await admin.jobs.create.mutate({ hostId, repositoryId, params });
    return waitForEnd(id, timeoutMs);
  }

  const waitForEnd = (id: string, timeoutMs?: number) => waitForJobEnd(admin, id, timeoutMs);

  beforeAll(async () => {
    world = await createWorld({ RM_JOB_LOST_AFTER: "1m" });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));

    await generateTree(tree);
    const configFile = await enrollAgent(admin, world.server.url);
    agent = startAgent(configFile);
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online),
      {
        timeoutMs: 30_000,
        what: "the agent to come online",
      },
    );
    hostId = host.id;
  });

  async function registerRepository(name: string, password: string, mode: "init" | "adopt") {
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name,
      url: rest.repository("main"),
      password,
      // This one host also maintains the repository, so forget and unlock may run here.
      maintenance: { url: rest.repository("main"), hostId },
      setup: { mode, hostId },
    });
    return { repository, setup: await waitForEnd(setupJobId) };
  }

  afterAll(async () => {
    await agent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("enrolls the agent, which reports its OS and restic version", async () => {
    const host = await admin.hosts.get.query({ id: hostId });
    expect(host).toMatchObject({
      online: true,
      os: "linux",
      resticVersion: "0.18.0",
      resticProblem: null,
    });
    const enrollments = await admin.hosts.enrollments.query();
    expect(enrollments[0]).toMatchObject({ status: "used", hostId });
    const status = await agentStatus(agent.configFile);
    expect(status).toMatch(/Connection: +connected/);
    expect(status).toMatch(/restic: +0\.18\.0/);
  });

  it("registers and initialises the repository through the agent", async () => {
    const { repository, setup } = await registerRepository(
      "main",
      "correct repository password",
      "init",
    );
    expect(setup.state).toBe("succeeded");
    const resticId = resultOf(setup, "init").repositoryId;
    expect(resticId).toMatch(/^[0-9a-f]{64}$/);
    repositoryId = repository.id;
    expect(await admin.repositories.get.query({ id: repositoryId })).toMatchObject({
      status: "ready",
      resticId,
    });
  });

  it("backs up a generated tree, with progress and a summary", async () => {
    const facts = await describeTree(tree);
    const job = await runJob({ kind: "backup", paths: [tree], tags: ["test"] });
    expect(job.state, job.error ?? "").toBe("succeeded");
    const result = resultOf(job, "backup");
    expect(result.summary.filesNew).toBe(facts.files.length);
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    snapshots.push(result.snapshotId ?? "");
    expect(job.exitCode).toBe(0);
    const host = await admin.hosts.get.query({ id: hostId });
    expect(host).toMatchObject({ lastBackupState: "succeeded", lastBackupJobId: job.id });
  });

  it("lists snapshots, stats in both modes and checks the repository", async () => {
    const listed = resultOf(await runJob({ kind: "snapshots" }), "snapshots");
    expect(listed.snapshots.map((s) => s.id)).toEqual(snapshots);

    const facts = await describeTree(tree);
    const restoreSize = resultOf(await runJob({ kind: "stats", mode: "restore-size" }), "stats");
    expect(restoreSize.totalSize).toBe(facts.totalBytes);
    const rawData = resultOf(await runJob({ kind: "stats", mode: "raw-data" }), "stats");
    expect(rawData.totalSize).toBeGreaterThan(0);

    const check = resultOf(await runJob({ kind: "check", readDataSubset: "50%" }), "check");
    expect(check).toMatchObject({ ok: true, numErrors: 0 });
  });

  it("diffs two snapshots and lists one", async () => {
    await changeTree(tree);
    const second = resultOf(await runJob({ kind: "backup", paths: [tree] }), "backup");
    snapshots.push(second.snapshotId ?? "");
    const [first, last] = snapshots;
    if (!first || !last) throw new Error("two snapshots expected");

    const diff = resultOf(await runJob({ kind: "diff", from: first, to: last }), "diff");
    const changed = diff.changes.map((c) => `${c.modifier} ${c.path.slice(tree.length + 1)}`);
    expect(changed).toEqual(
      expect.arrayContaining([
        `M ${TREE_CHANGES.modified}`,
        `+ ${TREE_CHANGES.added}`,
        `- ${TREE_CHANGES.removed}`,
      ]),
    );

    const ls = resultOf(await runJob({ kind: "ls", snapshotId: last }), "ls");
    const files = ls.nodes
      .filter((n) => n.type === "file")
      .map((n) => n.path.slice(tree.length + 1));
    expect(files).toContain(TREE_CHANGES.added);
    expect(files).not.toContain(TREE_CHANGES.removed);
  });

  it("forgets with --dry-run and keeps every snapshot", async () => {
    const forget = resultOf(
      await runJob({ kind: "forget", policy: { keepLast: 1 }, dryRun: true }),
      "forget",
    );
    expect(forget).toMatchObject({ dryRun: true, keptCount: 1, removedCount: 1 });
    const listed = resultOf(await runJob({ kind: "snapshots" }), "snapshots");
    expect(listed.snapshots).toHaveLength(2);
  });

  it("unlocks the repository", async () => {
    const job = await runJob({ kind: "unlock" });
    expect(job.state).toBe("succeeded");
    expect(resultOf(job, "unlock").removedLocks).toBe(0);
  });

  it("cancels a running backup: restic stops, the job is cancelled, the repository checks clean", async () => {
    const id = await startSlowBackup(admin, {
      hostId,
      repositoryId,
      paths: [randomTree(4)],
      limitUpload: 200,
    });
    expect(await agentStatus(agent.configFile)).toContain(`backup ${id}`);
    await admin.jobs.cancel.mutate({ id });
    const cancelled = await waitForEnd(id, 30_000);
    expect(cancelled.state).toBe("cancelled");

    const locks = resultOf(await runJob({ kind: "list-locks" }), "list-locks");
    expect(locks.locks).toEqual([]);
    expect(resultOf(await runJob({ kind: "check" }), "check").ok).toBe(true);
  });

  it("a wrong repository password fails clearly, registers nothing and leaves other jobs alone", async () => {
    const { setup } = await registerRepository("wrong-password", "not the password", "adopt");
    expect(setup).toMatchObject({ state: "failed", exitCode: 12 });
    expect(setup.error).toMatch(/Registration withdrawn: .*password/i);
    // restic's own words reach the job's log from its stderr, as they are written.
    expect(setup.logs.some((l) => l.stream === "stderr" && /wrong password/i.test(l.line))).toBe(
      true,
    );
    expect(JSON.stringify(setup)).not.toContain("not the password");
    expect((await admin.repositories.list.query()).items.map((r) => r.name)).toEqual(["main"]);
    expect((await runJob({ kind: "snapshots" })).state).toBe("succeeded");
  });

  it("an unknown kind of repository is refused before anything is written", async () => {
    await expect(
      admin.repositories.create.mutate({
        name: "ftp",
        url: "ftp://backup.example.org/repo",
        password: "pw",
        setup: { mode: "init", hostId },
      }),
    ).rejects.toThrow(/Unknown kind of repository: use rest:, sftp:/);
    expect((await admin.repositories.list.query()).items.map((r) => r.name)).toEqual(["main"]);
  });

  it("refuses to register the same restic repository twice", async () => {
    const { setup } = await registerRepository(
      "main-again",
      "correct repository password",
      "adopt",
    );
    expect(setup.state).toBe("succeeded");
    expect(setup.error).toBe(
      'Registration withdrawn: this restic repository is already registered as "main"',
    );
    expect((await admin.repositories.list.query()).items.map((r) => r.name)).toEqual(["main"]);
  });

  it("reconnects after a server restart during a backup, and the result is still recorded", async () => {
    const big = mkdtempSync(path.join(tmpdir(), "rm-big-"));
    writeFileSync(path.join(big, "random.bin"), randomBytes(2 * 1024 * 1024));
    const { id } = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "backup", paths: [big], limitUpload: 1024 },
    });
    await waitFor(
      async () => ((await admin.jobs.get.query({ id })).state === "running" ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50, what: "the backup to start" },
    );
    await world.restart();
    admin = await world.signIn("admin");
    const done = await waitForEnd(id, 90_000);
    expect(done.state, done.error ?? "").toBe("succeeded");
    expect(resultOf(done, "backup").snapshotId).toMatch(/^[0-9a-f]{64}$/);
    const host = await waitFor(
      async () => {
        const h = await admin.hosts.get.query({ id: hostId });
        return h.online ? h : undefined;
      },
      { timeoutMs: 60_000, what: "the agent to reconnect" },
    );
    expect(host.lastBackupJobId).toBe(id);
  });
});
