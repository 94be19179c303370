import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ZAlertListInput,
  ZAuditListInput,
  ZBackupSetListInput,
  ZHostListInput,
  ZJobListInput,
  ZMissListInput,
  ZRepositoryListInput,
  ZScheduleListInput,
} from "@restic-manager/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../src/audit/service.js";
import { listBackupSets } from "../src/backupSets/service.js";
import { listChannels } from "../src/channels/service.js";
import { dashboardSummary } from "../src/dashboard/service.js";
import type { AppDeps } from "../src/deps.js";
import { listEnrollmentTokens } from "../src/hosts/enrollment.js";
import { listHosts } from "../src/hosts/service.js";
import { getJob, listJobs, summariseJobs } from "../src/jobs/queries.js";
import { encodeCursor } from "../src/pagination.js";
import {
  getRepository,
  LISTED_APPEND_ONLY_HOSTS,
  LISTED_SETS_PER_REPOSITORY,
  LISTED_SNAPSHOT_HOSTS,
  listRepositories,
} from "../src/repositories/service.js";
import { ScheduleService } from "../src/schedules/service.js";
import { listApiTokens } from "../src/tokens/service.js";
import { listUsers } from "../src/users/service.js";
import {
  FLEET,
  hostId,
  hostName,
  repositoryId,
  scheduleId,
  seedFleet,
  setId,
  soloRepositoryId,
  soloRepositoryName,
  soloSetId,
} from "./support/fleetSeed.js";
import {
  type CapturedQuery,
  capture,
  checkPlans,
  explain,
  openRaw,
  planProblems,
  type RawDb,
} from "./support/queryPlans.js";
import { createWorld, type World } from "./support/world.js";

/**
 * Every list, every filter the web app offers and every dashboard query, as the server runs
 * them against 10,000 hosts and 200,000 jobs: SQLite's plan for each statement reads an index
 * range (no table scan, no sort of the matches), and a page deep in a table is read the same
 * way as the first. The plan is the proof; nothing here is timed.
 */

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const JOBS = FLEET.hosts * FLEET.jobsPerHost;

let world: World;
let deps: AppDeps;
let raw: RawDb;

beforeAll(async () => {
  world = await createWorld();
  deps = world.server.deps;
  raw = openRaw(path.join(world.dataDir, "restic-manager.db"));
  seedFleet(raw, NOW);
}, 120_000);

afterAll(async () => {
  raw?.close();
  await world?.close();
});

/** Runs a call, checks the plan of every statement it ran, and returns its result. */
async function planned<T>(
  call: () => Promise<T>,
): Promise<{ result: T; queries: CapturedQuery[] }> {
  const run = await capture(call);
  expect(run.queries.length).toBeGreaterThan(0);
  const bad = checkPlans(raw, run.queries).filter((check) => check.problems.length > 0);
  expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
  return run;
}

/** The cursor of the row `fromEnd` rows before the end of a list in its own order. */
function jobCursorNearEnd(where: string, fromEnd: number, params: unknown[] = []) {
  const row = raw
    .prepare(
      `SELECT id, createdAt FROM Job ${where} ORDER BY createdAt ASC, id ASC LIMIT 1 OFFSET ?`,
    )
    .get(...params, fromEnd) as { id: string; createdAt: string };
  return { cursor: encodeCursor({ key: new Date(row.createdAt), id: row.id }), row };
}

describe("query plans at 10,000 hosts and 200,000 jobs", () => {
  it("jobs.list: every filter and a page deep in the table read one index range", async () => {
    const inputs = [
      {},
      { hostId: hostId(4242) },
      { kind: "prune" as const },
      { state: "failed" as const },
      { state: "running" as const },
      { from: new Date(NOW - 7 * 86_400_000), to: new Date(NOW - 86_400_000) },
      { hostId: hostId(17), from: new Date(NOW - 100 * 86_400_000), to: new Date(NOW) },
      { kind: "check" as const, state: "succeeded" as const },
    ];
    for (const input of inputs) {
      const { result } = await planned(() => listJobs(deps.db, ZJobListInput.parse(input)));
      expect(result.items.length).toBeGreaterThan(0);
    }

    // "Load more" 120 rows from the oldest job: the next page, and then the last one.
    const { cursor } = jobCursorNearEnd("", 120);
    const deep = await planned(() =>
      listJobs(deps.db, ZJobListInput.parse({ cursor, limit: 100 })),
    );
    expect(deep.result.items).toHaveLength(100);
    expect(deep.result.nextCursor).toBeTruthy();
    const last = await planned(() =>
      listJobs(deps.db, ZJobListInput.parse({ cursor: deep.result.nextCursor, limit: 100 })),
    );
    expect(last.result.items).toHaveLength(20);
    expect(last.result.items.at(-1)?.id).toBe("job0000000");
    expect(last.result.nextCursor).toBeUndefined();

    // Deep in a filtered list too.
    const prune = jobCursorNearEnd("WHERE kind = ?", 10, ["prune"]);
    const deepPrune = await planned(() =>
      listJobs(deps.db, ZJobListInput.parse({ kind: "prune", cursor: prune.cursor })),
    );
    expect(deepPrune.result.items).toHaveLength(10);
    expect(deepPrune.result.items.every((job) => job.kind === "prune")).toBe(true);
  });

  it("pages follow each other without a gap or a repeat, in (createdAt, id) order", async () => {
    const { cursor } = jobCursorNearEnd("", 300);
    const seen: string[] = [];
    let next: string | undefined = cursor;
    for (let page = 0; page < 4 && next; page++) {
      const result = await listJobs(deps.db, ZJobListInput.parse({ cursor: next, limit: 80 }));
      seen.push(...result.items.map((job) => job.id));
      next = result.nextCursor;
    }
    const expected = (
      raw.prepare("SELECT id FROM Job ORDER BY createdAt ASC, id ASC LIMIT 300").all() as Array<{
        id: string;
      }>
    )
      .map((row) => row.id)
      .reverse();
    expect(seen).toEqual(expected);
  });

  it("hosts.list: by name, a name prefix, active and revoked, and the last page", async () => {
    for (const input of [
      {},
      { search: "host-0042" },
      { state: "active" as const },
      { state: "revoked" as const },
      { state: "active" as const, search: "host-009" },
    ]) {
      const { result } = await planned(() =>
        listHosts(deps.db, deps.agents, ZHostListInput.parse(input)),
      );
      expect(result.items.length).toBeGreaterThan(0);
    }
    const prefix = await listHosts(
      deps.db,
      deps.agents,
      ZHostListInput.parse({ search: "host-00420" }),
    );
    expect(prefix.items.map((host) => host.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => hostName(4_200 + i)),
    );
    const cursor = encodeCursor({ key: hostName(FLEET.hosts - 31), id: hostId(FLEET.hosts - 31) });
    const last = await planned(() =>
      listHosts(deps.db, deps.agents, ZHostListInput.parse({ cursor, limit: 200 })),
    );
    expect(last.result.items).toHaveLength(30);
    expect(last.result.nextCursor).toBeNull();
  });

  it("audit.list, alerts.list, schedules.list and schedules.misses: every filter, deep pages", async () => {
    const old = { key: new Date("2026-01-02T00:00:00.000Z"), id: "zzz" };
    const cursor = encodeCursor(old);
    for (const input of [
      {},
      { action: "host.revoked" as const },
      { actor: "alice" },
      { target: hostName(77) },
      { outcome: "failure" as const },
      { from: new Date("2026-01-10"), to: new Date("2026-01-20") },
      { cursor },
    ]) {
      await planned(() => listAudit(deps.db, ZAuditListInput.parse(input)));
    }
    const byTarget = await listAudit(deps.db, ZAuditListInput.parse({ target: hostName(77) }));
    expect(byTarget.items.length).toBe(FLEET.auditEvents / FLEET.hosts);

    for (const input of [
      {},
      { state: "open" as const },
      { state: "resolved" as const },
      { kind: "job_failed" as const },
      { hostId: hostId(5) },
      { severity: "critical" as const },
      { state: "open" as const, cursor },
    ]) {
      await planned(() => deps.alerts.list(ZAlertListInput.parse(input)));
    }
    const open = await deps.alerts.list(ZAlertListInput.parse({ state: "open", limit: 200 }));
    expect(open.items).toHaveLength(200);
    expect(open.items.every((alert) => alert.state !== "resolved")).toBe(true);
    await planned(() => deps.alerts.openCounts());

    for (const input of [
      {},
      { hostId: hostId(9) },
      { repositoryId: repositoryId(2) },
      { backupSetId: setId(9) },
      { kind: "backup" as const },
      { paused: true },
      { cursor },
    ]) {
      await planned(() => deps.schedules.list(ZScheduleListInput.parse(input)));
    }
    for (const input of [{}, { hostId: hostId(9) }, { scheduleId: scheduleId(9) }, { cursor }]) {
      await planned(() => deps.schedules.listMisses(ZMissListInput.parse(input)));
    }
  });

  it("backupSets.list: by host, by repository, a name prefix, and a page deep in a shared repository", async () => {
    for (const input of [
      {},
      { hostId: hostId(3) },
      { repositoryId: repositoryId(1) },
      { search: "sol" },
      { hostId: hostId(3), search: "doc" },
      { repositoryId: repositoryId(1), search: "documents" },
      { hostId: hostId(6), repositoryId: repositoryId(1) },
    ]) {
      const { result } = await planned(() =>
        listBackupSets(deps.db, ZBackupSetListInput.parse(input)),
      );
      expect(result.items.length).toBeGreaterThan(0);
    }
    const solo = await listBackupSets(deps.db, ZBackupSetListInput.parse({ search: "so" }));
    expect(solo.items.every((set) => set.name === "solo")).toBe(true);

    // Repository 1 is shared by every fifth host: 2,000 sets all named "documents".
    const shared = FLEET.hosts / FLEET.repositories;
    const cursor = encodeCursor({ key: "documents", id: setId(FLEET.hosts - 4 - 5 * 30) });
    const deep = await planned(() =>
      listBackupSets(
        deps.db,
        ZBackupSetListInput.parse({ repositoryId: repositoryId(1), cursor, limit: 200 }),
      ),
    );
    expect(deep.result.items.map((set) => set.id)).toEqual(
      Array.from({ length: 30 }, (_, i) => setId(FLEET.hosts - 4 - 5 * (29 - i))),
    );
    expect(deep.result.nextCursor).toBeNull();

    // Paging through it gives every set once.
    const seen = new Set<string>();
    let next: string | null | undefined;
    let pages = 0;
    do {
      const page = await listBackupSets(
        deps.db,
        ZBackupSetListInput.parse({ repositoryId: repositoryId(1), cursor: next, limit: 200 }),
      );
      for (const set of page.items) seen.add(set.id);
      next = page.nextCursor;
      pages++;
    } while (next);
    expect(seen.size).toBe(shared);
    expect(pages).toBe(shared / 200);
  });

  it("repositories.list: pages by name with a prefix, with their sets and hosts counted on an index", async () => {
    for (const input of [{}, { search: "repo-" }, { search: "solo-0012" }, { limit: 200 }]) {
      const { result, queries } = await planned(() =>
        listRepositories(deps.db, ZRepositoryListInput.parse(input)),
      );
      expect(result.items.length).toBeGreaterThan(0);
      // The page, its maintenance hosts' names, and one statement counting for all of it: none
      // per repository.
      expect(queries).toHaveLength(3);
    }
    const prefix = await listRepositories(
      deps.db,
      ZRepositoryListInput.parse({ search: "solo-0012" }),
    );
    expect(prefix.items.map((repository) => repository.name)).toEqual(
      Array.from({ length: 100 }, (_, i) => soloRepositoryName(1_200 + i)).slice(0, 50),
    );
    expect(prefix.nextCursor).toBeTruthy();

    // The shared repositories come first by name ("repo-…" < "solo-…"): each says how many sets
    // and append-only hosts it has. restic's health report of a shared repository records each of its hosts: a minute apart.
    const shared = FLEET.hosts / FLEET.repositories;
    const recorded = Array.from({ length: shared }, (_, i) => ({
      host: hostName(i * FLEET.repositories),
      snapshotCount: 3,
      lastSnapshotAt: new Date(NOW - i * 60_000).toISOString(),
    }));
    raw
      .prepare("UPDATE Repository SET hostsJson = ? WHERE id = ?")
      .run(JSON.stringify(recorded), repositoryId(0));
    const first = await planned(() =>
      listRepositories(deps.db, ZRepositoryListInput.parse({ limit: 5 })),
    );
    const [maintained, , unmaintained] = first.result.items;
    expect(maintained?.name).toBe("repo-0");
    expect(maintained?.setCount).toBe(shared);
    // Host 0 maintains repo-0 and backs up into it: it is not append-only there.
    expect(maintained?.appendOnlyHostCount).toBe(shared - 1);
    expect(unmaintained?.appendOnlyHostCount).toBe(shared);
    // Of the hosts in its snapshots, the stalest few.
    expect(maintained?.snapshotHostCount).toBe(shared);
    expect(maintained?.hosts.map((host) => host.host)).toEqual(
      Array.from({ length: LISTED_SNAPSHOT_HOSTS }, (_, k) =>
        hostName((shared - 1 - k) * FLEET.repositories),
      ),
    );
    expect(first.result.nextCursor).toBeTruthy();

    // Its own page names the first few of its sets and append-only hosts as well.
    const detail = await planned(() => getRepository(deps.db, repositoryId(0)));
    expect(detail.result).toMatchObject({ setCount: shared, appendOnlyHostCount: shared - 1 });
    expect(detail.result.backupSets).toHaveLength(LISTED_SETS_PER_REPOSITORY);
    expect(detail.result.appendOnlyHosts).toHaveLength(LISTED_APPEND_ONLY_HOSTS);
    expect(detail.result.appendOnlyHosts.map((host) => host.id)).not.toContain(hostId(0));

    // A page deep in the 2,005 repositories, and the last.
    const cursor = encodeCursor({
      key: soloRepositoryName(FLEET.soloRepositories - 31),
      id: soloRepositoryId(FLEET.soloRepositories - 31),
    });
    const last = await planned(() =>
      listRepositories(deps.db, ZRepositoryListInput.parse({ cursor, limit: 100 })),
    );
    expect(last.result.items).toHaveLength(30);
    expect(last.result.items[0]).toMatchObject({
      name: soloRepositoryName(FLEET.soloRepositories - 30),
      setCount: 1,
      appendOnlyHostCount: 1,
    });
    const solo = await getRepository(deps.db, soloRepositoryId(FLEET.soloRepositories - 30));
    expect(solo.backupSets.map((set) => set.id)).toEqual([soloSetId(FLEET.soloRepositories - 30)]);
    expect(last.result.nextCursor).toBeNull();
  });

  it("the detail pages' lists read indexes too", async () => {
    const enrollments = await planned(() => listEnrollmentTokens(deps.db));
    expect(enrollments.result).toHaveLength(200);
    await world.addUser("admin", "admin");
    await planned(() => listUsers(deps.db));
    await planned(() => listApiTokens(deps.db));
    await planned(() => listChannels(deps));
    // The detail pages' own lists: an alert's history and deliveries, a job's log.
    await planned(() => deps.alerts.get("alert000040"));
    await planned(() => getJob(deps.db, "job0100000"));
  });

  it("dashboard.summary and jobs.summary: counts on index windows, one answer under 100 KB", async () => {
    const jobs = await planned(() => summariseJobs(deps.db, new Date(NOW)));
    expect(jobs.result).toEqual({
      queued: 20,
      running: 20,
      failedLastDay: expect.any(Number),
    });
    const failedLastDay = raw
      .prepare("SELECT COUNT(*) AS n FROM Job WHERE state = 'failed' AND finishedAt >= ?")
      .get(new Date(NOW - 86_400_000).toISOString()) as { n: number };
    expect(jobs.result.failedLastDay).toBe(failedLastDay.n);

    const summary = await planned(() => dashboardSummary(deps, new Date(NOW)));
    const size = Buffer.byteLength(JSON.stringify(summary.result));
    expect(size).toBeLessThan(100_000);
    const active = FLEET.hosts - FLEET.revokedHosts;
    expect(summary.result.hosts).toEqual({ total: active, online: 0, offline: active });
    const attention = raw
      .prepare(
        `SELECT COUNT(*) AS n FROM Host WHERE revokedAt IS NULL AND (lastBackupState IS NULL
           OR lastBackupState <> 'succeeded' OR lastBackupAt < ?)`,
      )
      .get(new Date(NOW - 86_400_000).toISOString()) as { n: number };
    expect(summary.result.attention.total).toBe(attention.n);
    expect(summary.result.attention.items).toHaveLength(10);
    expect(summary.result.latestJobs.map((job) => job.id)[0]).toBe(
      `job${String(JOBS - 1).padStart(7, "0")}`,
    );
    expect(summary.result.alerts.counts.total).toBe(FLEET.alerts / 10);
    expect(summary.result.drills.total).toBe(FLEET.hosts / 100);
  });

  it("judging missed slots visits only the schedules whose next slot has come", async () => {
    // Every schedule was judged and looks again in an hour, but for three whose slot is due.
    const later = new Date(Math.max(NOW, Date.now()) + 3_600_000).toISOString();
    raw.prepare("UPDATE Schedule SET nextJudgeAt = ?").run(later);
    const due = [scheduleId(11), scheduleId(12), scheduleId(13)];
    const dueSince = new Date(NOW - 2 * 86_400_000).toISOString();
    const markDue = raw.prepare(
      "UPDATE Schedule SET nextJudgeAt = ?, judgedThrough = ?, paused = 0 WHERE id = ?",
    );
    for (const id of due) markDue.run(dueSince, dueSince, id);
    raw.exec("ANALYZE Schedule");
    let clock = NOW;
    const schedules = new ScheduleService({
      db: deps.db,
      keyring: deps.keyring,
      registry: deps.agents,
      jobs: deps.jobs,
      bus: deps.jobEvents,
      logger: deps.logger,
      lockWaitSeconds: 60,
      graceMs: 60_000,
      now: () => clock,
    });
    clock += 120_000;
    const { result: marked } = await planned(() => schedules.judgeMissed());
    // Daily at 02:00 UTC, two days unjudged: two missed slots each.
    expect(marked).toBe(6);
    const judged = raw
      .prepare("SELECT id, nextJudgeAt FROM Schedule WHERE id IN (?, ?, ?) ORDER BY id")
      .all(...due) as Array<{ id: string; nextJudgeAt: string }>;
    for (const row of judged) expect(Date.parse(row.nextJudgeAt)).toBeGreaterThan(NOW);
    // A second pass finds nothing due and reads no schedule's slots.
    expect(await schedules.judgeMissed()).toBe(0);
  });

  it("a backup's way through the server, and what its end sets off, reads indexes only", async () => {
    // Set 4000's host backs up to repository 0, which 2,000 hosts share (maintained by host 0).
    const host = hostId(4000);
    const backup = async () =>
      (
        await planned(() =>
          deps.jobs.create(
            {
              hostId: host,
              repositoryId: repositoryId(0),
              params: { kind: "backup", paths: ["/home"] },
            },
            { type: "system", name: "plan test" },
            undefined,
            { backupSetId: setId(4000) },
          ),
        )
      ).result.id;
    const end = (jobId: string, outcome: "succeeded" | "failed") =>
      planned(() =>
        deps.jobs.finished(host, {
          jobId,
          outcome,
          exitCode: outcome === "succeeded" ? 0 : 1,
          error: outcome === "succeeded" ? null : "the repository could not be read",
          finishedAt: new Date(NOW),
        }),
      );
    // A success: the set's alerts cleared, the repository's health refreshed (a health job).
    const succeeded = await end(await backup(), "succeeded");
    expect(succeeded.result).toEqual({ accepted: true });
    const health = await deps.db.job.findFirst({
      where: { repositoryId: repositoryId(0), kind: "health", state: "queued" },
      select: { hostId: true },
    });
    expect(health?.hostId).toBe(hostId(0));
    // A failure: an alert raised and the repository's last jobs looked at.
    const failed = await end(await backup(), "failed");
    expect(failed.result).toEqual({ accepted: true });
    expect(failed.queries.some((q) => /FROM `main`.`Job`/.test(q.sql))).toBe(true);
  });

  it("an agent's connect reads indexes only: its running jobs and whether it has schedules", async () => {
    const host = hostId(4000);
    const reconciled = await planned(() =>
      deps.jobs.reconcile(host, { running: [], finished: [] }),
    );
    expect(reconciled.queries.some((q) => q.sql.includes(`"state" = 'running'`))).toBe(true);
    const schedules = await planned(() => deps.schedules.definitionsFor(hostId(9999)));
    expect(schedules.queries.some((q) => q.sql.includes(`FROM "Schedule"`))).toBe(true);
  });

  it("the check fails when an index a list needs is dropped", async () => {
    const cases: Array<{
      call: () => Promise<unknown>;
      pick: (sql: string) => boolean;
      index: string;
      problem: RegExp;
    }> = [
      {
        call: () => listJobs(deps.db, ZJobListInput.parse({ kind: "prune" })),
        pick: (sql: string) => /FROM `main`.`Job`/.test(sql),
        index: "Job_kind_createdAt_id_idx",
        problem: /SCAN (main\.)?Job\b|TEMP B-TREE/,
      },
      {
        // A repository's append-only hosts are counted on (repositoryId, hostId) alone.
        call: () => listRepositories(deps.db, ZRepositoryListInput.parse({ limit: 1 })),
        pick: (sql: string) => /COUNT\(DISTINCT b\."hostId"\)/.test(sql),
        index: "BackupSet_repositoryId_hostId_idx",
        problem: /TEMP B-TREE/,
      },
    ];
    const dir = mkdtempSync(path.join(tmpdir(), "rm-plan-"));
    try {
      for (const [n, { call, pick, index, problem }] of cases.entries()) {
        const { queries } = await capture(call);
        const query = queries.find((q) => pick(q.sql));
        if (!query) throw new Error(`no query captured for ${index}`);
        expect(planProblems(query, explain(raw, query))).toEqual([]);

        const copyPath = path.join(dir, `copy${n}.db`);
        raw.exec(`VACUUM INTO '${copyPath}'`);
        const copy = openRaw(copyPath);
        try {
          copy.exec(`DROP INDEX "${index}"`);
          const problems = planProblems(query, explain(copy, query));
          expect(problems.length, index).toBeGreaterThan(0);
          expect(problems.join("\n")).toMatch(problem);
        } finally {
          copy.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
