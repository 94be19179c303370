import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  backupSetTags,
  type TForgetResult,
  type TRetentionPolicy,
} from "@restic-manager/contracts";
import {
  generateTree,
  type RestServer,
  startRestServer,
  waitFor,
} from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, enrollAgent, startAgent } from "./support/agents.js";
import { resultOf, waitForJobEnd } from "./support/jobs.js";
import { insertReadyRepository } from "./support/repositories.js";
import {
  idsTagged,
  listSnapshots,
  makeSnapshots,
  onlineHost,
  type ResticTarget,
  resticRetentionVerdict,
  type SnapshotSpec,
  waitForScheduledRuns,
} from "./support/schedules.js";
import { type Client, createWorld, type World } from "./support/world.js";

const PASSWORD = "repository password for the retention test";

/** The two sets' policies, and the same policies as restic's own flags. */
const DOCUMENTS_POLICY: TRetentionPolicy = {
  keepLast: 2,
  keepDaily: 7,
  keepWeekly: 4,
  keepMonthly: 2,
};
const DOCUMENTS_FLAGS = ["--keep-last=2", "--keep-daily=7", "--keep-weekly=4", "--keep-monthly=2"];
const PHOTOS_POLICY: TRetentionPolicy = { keepDaily: 3, keepWeekly: 2 };
const PHOTOS_FLAGS = ["--keep-daily=3", "--keep-weekly=2"];

/** `2026-11-30` minus `days`, at `time`, as restic's `--time` takes it. */
function daysBefore(days: number, time: string): string {
  const date = new Date(Date.UTC(2026, 10, 30 - days));
  return `${date.toISOString().slice(0, 10)} ${time}`;
}

/**
 * Sixty days of history: the documents set every third day, twice on every ninth, under
 * another file name for its older half (a set whose paths changed: restic's default grouping
 * would split it); the photos set every sixth day. Each restic run spends half a second
 * deriving its key, so the history is long rather than dense.
 */
function history(documents: string[], photos: string[]): SnapshotSpec[] {
  const specs: SnapshotSpec[] = [];
  for (let day = 0; day < 60; day += 3) {
    const filename = day < 30 ? "documents.tar" : "documents-2026.tar";
    specs.push({ time: daysBefore(day, "09:00:00"), filename, tags: documents });
    if (day % 9 === 0) specs.push({ time: daysBefore(day, "21:30:00"), filename, tags: documents });
    if (day % 6 === 0) {
      specs.push({ time: daysBefore(day, "12:00:00"), filename: "photos.tar", tags: photos });
    }
  }
  return specs;
}

/**
 * A cron expression with seconds that fires a few seconds from now and then once a minute:
 * one run in the time a test waits, where "every few seconds" would race the removal.
 */
function soonEveryMinute(): string {
  return `${(new Date().getUTCSeconds() + 4) % 60} * * * * *`;
}

/** The keep and remove ids of a forget job's result (one group: the set's snapshots). */
function verdictOf(result: TForgetResult) {
  expect(result.groups).toHaveLength(1);
  const [group] = result.groups;
  return {
    keep: (group?.keep ?? []).map((s) => s.id).sort(),
    remove: (group?.remove ?? []).map((s) => s.id).sort(),
  };
}

/**
 * Retention with the real parts: restic 0.18, rest-server, an endpoint agent that owns two
 * backup sets and a maintenance agent that runs their forgets. History is made with restic's
 * `--time`; what the product keeps must be what restic's own dry run says for the same policy.
 */
describe("a backup set's retention policy", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  let endpointAgent: AgentProcess;
  let maintenanceAgent: AgentProcess;
  let endpointId: string;
  let maintainerId: string;
  let repositoryId: string;
  let documentsId: string;
  let photosId: string;
  let target: ResticTarget;
  const tree = mkdtempSync(path.join(tmpdir(), "rm-tree-"));

  const documentsTags = () => backupSetTags(endpointId, documentsId);
  const photosTags = () => backupSetTags(endpointId, photosId);

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    target = { repository: rest.repository("fleet"), password: PASSWORD };
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

    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "fleet",
      url: rest.repository("fleet"),
      password: PASSWORD,
      maintenance: { url: rest.repository("fleet"), hostId: maintainerId },
      setup: { mode: "init", hostId: endpointId },
    });
    repositoryId = repository.id;
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    for (const name of ["documents", "photos"]) {
      const set = await admin.backupSets.create.mutate({
        name,
        hostId: endpointId,
        repositoryId,
        options: { paths: [tree] },
      });
      if (name === "documents") documentsId = set.id;
      else photosId = set.id;
    }
    await makeSnapshots(target, history(documentsTags(), photosTags()));
  }, 120_000);

  afterAll(async () => {
    await endpointAgent?.stop();
    await maintenanceAgent?.stop();
    await rest?.stop();
    await world?.close();
  });

  /** The set as saved, with a new retention (and whether it runs after each backup). */
  async function saveRetention(
    setId: string,
    retention: TRetentionPolicy | null,
    forgetAfterBackup = false,
  ) {
    const set = (await admin.backupSets.list.query({})).items.find((s) => s.id === setId);
    if (!set) throw new Error(`no backup set ${setId}`);
    return admin.backupSets.update.mutate({
      id: set.id,
      name: set.name,
      hostId: set.hostId,
      repositoryId: set.repositoryId,
      options: set.options,
      retention,
      forgetAfterBackup,
    });
  }

  it("refuses a policy that keeps nothing, saying so, and saves nothing", async () => {
    await expect(saveRetention(documentsId, {})).rejects.toThrow(
      /This retention policy keeps nothing: give at least one keep rule/,
    );
    await expect(
      admin.backupSets.previewRetention.mutate({ backupSetId: documentsId, policy: {} }),
    ).rejects.toThrow(/keeps nothing/);
    const set = (await admin.backupSets.list.query({})).items.find((s) => s.id === documentsId);
    expect(set?.retention).toBeNull();
    expect((await admin.jobs.list.query({ kind: "forget" })).items).toEqual([]);
  });

  it("refuses a forget schedule and a preview where the repository has no maintenance host", async () => {
    const bare = await insertReadyRepository(world.server.deps, {
      name: "no-maintenance",
      url: rest.repository("bare"),
      password: PASSWORD,
    });
    const set = await admin.backupSets.create.mutate({
      name: "bare",
      hostId: endpointId,
      repositoryId: bare.id,
      options: { paths: [tree] },
      retention: { keepLast: 3 },
    });
    const noHost =
      /"no-maintenance" has no maintenance host.*give it a maintenance endpoint and host first/;
    await expect(
      admin.schedules.create.mutate({
        kind: "forget",
        backupSetId: set.id,
        timing: { type: "daily", time: "03:00" },
      }),
    ).rejects.toThrow(noHost);
    await expect(
      admin.backupSets.previewRetention.mutate({ backupSetId: set.id, policy: { keepLast: 3 } }),
    ).rejects.toThrow(noHost);
    await expect(saveRetention(set.id, { keepLast: 3 }, true)).rejects.toThrow(
      /"no-maintenance" has no maintenance host, so retention cannot run after backups/,
    );
    expect((await admin.schedules.list.query({ backupSetId: set.id })).items).toEqual([]);
    const saved = (await admin.backupSets.list.query({})).items.find((s) => s.id === set.id);
    expect(saved?.forgetAfterBackup).toBe(false);
    await admin.backupSets.remove.mutate({ id: set.id });
  });

  it("previews the policy with a dry run on the maintenance host: restic's own keep and remove", async () => {
    const before = await listSnapshots(target);
    const expected = await resticRetentionVerdict(target, documentsTags(), DOCUMENTS_FLAGS);
    // The history is long enough for every rule to matter.
    expect(expected.keep.length).toBeGreaterThan(7);
    expect(expected.remove.length).toBeGreaterThan(10);

    const { jobId } = await admin.backupSets.previewRetention.mutate({
      backupSetId: documentsId,
      policy: DOCUMENTS_POLICY,
    });
    const job = await waitForJobEnd(admin, jobId);
    expect(job, job.error ?? "").toMatchObject({
      state: "succeeded",
      hostId: maintainerId,
      endpoint: "maintenance",
    });
    const result = resultOf(job, "forget");
    expect(result.dryRun).toBe(true);
    expect(verdictOf(result)).toEqual(expected);
    // A preview forgets nothing, and saves nothing.
    expect((await listSnapshots(target)).map((s) => s.id).sort()).toEqual(
      before.map((s) => s.id).sort(),
    );
    const set = (await admin.backupSets.list.query({})).items.find((s) => s.id === documentsId);
    expect(set?.retention).toBeNull();
  });

  it("a forget schedule applies the saved policy: the set keeps what restic said, the other set everything", async () => {
    const before = await listSnapshots(target);
    const photosBefore = idsTagged(before, photosTags());
    const expected = await resticRetentionVerdict(target, documentsTags(), DOCUMENTS_FLAGS);
    expect(await saveRetention(documentsId, DOCUMENTS_POLICY)).toMatchObject({
      retention: DOCUMENTS_POLICY,
    });

    const schedule = await admin.schedules.create.mutate({
      kind: "forget",
      backupSetId: documentsId,
      timing: { type: "cron", expression: soonEveryMinute() },
    });
    expect(schedule).toMatchObject({ hostId: maintainerId, problem: null });
    const [run, ...more] = await waitForScheduledRuns(world, schedule.id, 1);
    await admin.schedules.remove.mutate({ id: schedule.id });
    expect(more).toEqual([]);
    if (!run) throw new Error("no run recorded");

    const job = await waitForJobEnd(admin, run.id);
    expect(job, job.error ?? "").toMatchObject({
      state: "succeeded",
      kind: "forget",
      hostId: maintainerId,
      endpoint: "maintenance",
      backupSetId: documentsId,
    });
    const result = resultOf(job, "forget");
    expect(result.dryRun).toBe(false);
    expect(verdictOf(result)).toEqual(expected);

    const after = await listSnapshots(target);
    expect(idsTagged(after, documentsTags())).toEqual(expected.keep);
    expect(idsTagged(after, photosTags())).toEqual(photosBefore);
    expect(after).toHaveLength(expected.keep.length + photosBefore.length);
  });

  it("with forgetAfterBackup, a backup run through the product is followed by the set's forget", async () => {
    await saveRetention(photosId, PHOTOS_POLICY, true);
    const documentsBefore = idsTagged(await listSnapshots(target), documentsTags());
    // The maintenance host is away: the forget waits for it, and restic is asked meanwhile.
    await maintenanceAgent.stop();
    await waitFor(
      async () =>
        (await admin.hosts.list.query()).items.find((h) => h.id === maintainerId && !h.online),
      { timeoutMs: 15_000, what: "the maintenance host to go offline" },
    );

    const { jobId } = await admin.backupSets.run.mutate({ id: photosId });
    const backup = await waitForJobEnd(admin, jobId);
    expect(backup, backup.error ?? "").toMatchObject({ state: "succeeded", hostId: endpointId });
    const snapshotId = resultOf(backup, "backup").snapshotId;
    const queued = await waitFor(
      async () =>
        (await admin.jobs.list.query({ hostId: maintainerId, kind: "forget" })).items.find(
          (j) => j.backupSetId === photosId,
        ),
      { timeoutMs: 15_000, what: "the retention job after the backup" },
    );
    expect(queued.state).toBe("queued");
    const expected = await resticRetentionVerdict(target, photosTags(), PHOTOS_FLAGS);
    expect(expected.keep).toContain(snapshotId);
    expect(expected.remove.length).toBeGreaterThanOrEqual(5);

    maintenanceAgent = startAgent(maintenanceAgent.configFile);
    await onlineHost(admin, maintainerId);
    const job = await waitForJobEnd(admin, queued.id);
    expect(job, job.error ?? "").toMatchObject({ state: "succeeded", endpoint: "maintenance" });
    expect(verdictOf(resultOf(job, "forget"))).toEqual(expected);

    const after = await listSnapshots(target);
    expect(idsTagged(after, photosTags())).toEqual(expected.keep);
    expect(idsTagged(after, documentsTags())).toEqual(documentsBefore);
  });
});
