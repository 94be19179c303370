import { existsSync } from "node:fs";
import { chmod, mkdtemp, open, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  describeTree,
  generateTree,
  type RestServer,
  startRestServer,
  type TreeFacts,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { resultOf, waitForJobEnd } from "./support/jobs.js";
import { waitForScheduledRuns } from "./support/schedules.js";
import { type Client, createWorld, errorOf, type World } from "./support/world.js";

const PASSWORD = "repository password for the drill test";
const REPOSITORY = "drilled";

/**
 * Restore drills end to end: a real agent restores a sample of a backup set's latest snapshot
 * from a real rest-server with restic 0.18, and verifies it by sha256 against `restic dump`;
 * after a pack in the rest-server's data directory is damaged, the drill fails and says why.
 */
describe("restore drills", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let restData: string;
  const agents: AgentProcess[] = [];
  let hostId = "";
  let strangerId = "";
  let repositoryId = "";
  let setId = "";
  let tree = "";
  let facts: TreeFacts;

  /** Starts an agent and returns its host once it is online. */
  async function connectAgent(): Promise<string> {
    const known = new Set((await admin.hosts.list.query()).items.map((h) => h.id));
    agents.push(startAgent(await enrollAgent(admin, world.server.url)));
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online && !known.has(h.id)),
      { timeoutMs: 30_000, what: "the agent to connect" },
    );
    return host.id;
  }

  /** Each drilled file's sha256 and size are those of the file that was backed up. */
  function expectOriginals(files: Array<{ path: string; size: number; sha256: string | null }>) {
    for (const file of files) {
      const relative = path.relative(tree, file.path).split(path.sep).join("/");
      const original = facts.files.find((f) => f.path === relative);
      expect(original, `${file.path} is a file of the tree`).toBeDefined();
      expect({ size: file.size, sha256: file.sha256 }).toEqual({
        size: original?.size,
        sha256: original?.sha256,
      });
    }
  }

  async function setOf(id: string) {
    const sets = await admin.backupSets.list.query({ repositoryId });
    return sets.items.find((set) => set.id === id);
  }

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    restData = await mkdtemp(path.join(tmpdir(), "rm-rest-"));
    rest = await startRestServer(restData);
    hostId = await connectAgent();
    strangerId = await connectAgent();
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: REPOSITORY,
      url: rest.repository(REPOSITORY),
      password: PASSWORD,
      setup: { mode: "init", hostId },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    tree = await mkdtemp(path.join(tmpdir(), "rm-drill-tree-"));
    await generateTree(tree);
    facts = await describeTree(tree);
    const set = await admin.backupSets.create.mutate({
      name: "documents",
      hostId,
      repositoryId,
      options: { paths: [tree] },
    });
    setId = set.id;
    const { jobId } = await admin.backupSets.run.mutate({ id: setId });
    expect((await waitForJobEnd(admin, jobId)).state).toBe("succeeded");
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await rest?.stop();
    await world?.close();
  });

  it("a drill schedule on the set's own host restores a sample and verifies every file by sha256", async () => {
    const schedule = await admin.schedules.create.mutate({
      kind: "drill",
      backupSetId: setId,
      timing: { type: "cron", expression: "*/5 * * * * *" },
      options: { sampleFiles: 5 },
    });
    expect(schedule).toMatchObject({ kind: "drill", hostId, backupSetId: setId, problem: null });
    const [run] = await waitForScheduledRuns(world, schedule.id, 1);
    await admin.schedules.setPaused.mutate({ id: schedule.id, paused: true });
    if (!run) throw new Error("no run of the drill schedule");

    const job = await admin.jobs.get.query({ id: run.id });
    expect(job).toMatchObject({ kind: "drill", state: "succeeded", hostId, error: null });
    expect(JSON.parse(run.params)).toMatchObject({ tags: [`rm-set:${setId}`], sampleFiles: 5 });
    const result = resultOf(job, "drill");
    expect(result).toMatchObject({
      filesChecked: 5,
      failures: 0,
      restoreError: null,
      filesInSnapshot: facts.files.length,
    });
    expect(result.files.every((file) => file.ok)).toBe(true);
    expectOriginals(result.files);
    // restic restored into a temporary directory with --verify; the agent removed it again.
    const restoreLine = job.logs.find((line) => / restore --json /.test(line.line))?.line ?? "";
    expect(restoreLine).toMatch(/ --verify /);
    const scratch = /--target=(\S+)/.exec(restoreLine)?.[1];
    expect(scratch).toMatch(/restic-manager-drill-/);
    expect(existsSync(scratch ?? "")).toBe(false);

    const set = await waitFor(
      async () => {
        const found = await setOf(setId);
        return found?.lastDrill?.jobId === run.id ? found : undefined;
      },
      { what: "the set to record its drill" },
    );
    expect(set.lastDrill).toMatchObject({ state: "succeeded", jobId: run.id });
    expect(set.lastDrill?.lastSuccessAt).toEqual(set.lastDrill?.at);
    const repository = await admin.repositories.get.query({ id: repositoryId });
    expect(repository.backupSets.find((s) => s.id === setId)?.lastDrill).toMatchObject({
      state: "succeeded",
      jobId: run.id,
    });
  });

  it("refuses a drill on a host without access to the repository, and says why", async () => {
    const refused = await errorOf(
      admin.schedules.create.mutate({
        kind: "drill",
        backupSetId: setId,
        hostId: strangerId,
        timing: { type: "daily", time: "03:00" },
      }),
    );
    expect(refused.data?.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(/has no access to "drilled"/);
    const schedules = await admin.schedules.list.query({ backupSetId: setId, kind: "drill" });
    expect(schedules.items.map((s) => s.hostId)).toEqual([hostId]);
  });

  it("after a pack in the rest-server's data directory is damaged, a drill fails with the reason", {
    timeout: 120_000,
  }, async () => {
    await corruptLargestPack(path.join(restData, REPOSITORY, "data"));
    const { id } = await admin.jobs.create.mutate({
      hostId,
      repositoryId,
      params: { kind: "drill", tags: [`rm-set:${setId}`], sampleFiles: 6 },
    });
    const job = await waitForJobEnd(admin, id, 90_000);
    expect(job.state).toBe("failed");
    expect(job.error).toMatch(
      /^restore drill of snapshot [0-9a-f]{8} failed: 6 of 6 sampled files did not verify/,
    );
    expect(job.error).toMatch(/ciphertext verification failed/);
    const result = resultOf(job, "drill");
    expect(result.failures).toBe(6);
    expect(result.restoreError).toMatch(/restic restore failed/);

    const set = await waitFor(
      async () => {
        const found = await setOf(setId);
        return found?.lastDrill?.jobId === id ? found : undefined;
      },
      { what: "the set to record the failed drill" },
    );
    expect(set.lastDrill).toMatchObject({ state: "failed", jobId: id });
    // The last drill that passed is still known (the first test's), and older than this one.
    expect(set.lastDrill?.lastSuccessAt?.getTime()).toBeLessThan(set.lastDrill?.at.getTime() ?? 0);
  });
});

/**
 * Overwrites the blobs of the repository's largest pack (a small backup's data pack) as a
 * failing disk would, keeping the header at its end: every file's contents are damaged.
 */
async function corruptLargestPack(dataDir: string): Promise<void> {
  let largest = { file: "", size: 0 };
  for (const prefix of await readdir(dataDir)) {
    for (const name of await readdir(path.join(dataDir, prefix))) {
      const file = path.join(dataDir, prefix, name);
      const { size } = await stat(file);
      if (size > largest.size) largest = { file, size };
    }
  }
  await chmod(largest.file, 0o600);
  const handle = await open(largest.file, "r+");
  const trailer = Buffer.alloc(4);
  await handle.read(trailer, 0, 4, largest.size - 4);
  const blobBytes = largest.size - 4 - trailer.readUInt32LE(0);
  await handle.write(Buffer.alloc(blobBytes - 16, 0x5a), 0, undefined, 8);
  await handle.close();
}
