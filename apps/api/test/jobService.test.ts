import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TAgentCommand } from "@restic-manager/contracts";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../src/db.js";
import { AgentRegistry } from "../src/hosts/registry.js";
import { JobEventBus } from "../src/jobs/eventBus.js";
import { summariseJobs } from "../src/jobs/queries.js";
import { JobService } from "../src/jobs/service.js";
import { generateMasterKey, Keyring } from "../src/secrets/keyring.js";
import { ADMIN, META } from "./support/actors.js";
import { insertReadyRepository } from "./support/repositories.js";
import { newTestDatabase, type TestDatabase } from "./support/testDatabase.js";

const MINUTE = 60_000;

describe("JobService with a fake clock and a fake agent connection", () => {
  let db: Db;
  let database: TestDatabase;
  let now: number;
  let registry: AgentRegistry;
  let keyring: Keyring;
  let jobs: JobService;
  let sent: TAgentCommand[];
  let hostId: string;
  let repositoryId: string;

  function connect() {
    const connection = {
      hostId,
      connectedAt: new Date(now),
      send: (command: TAgentCommand) => sent.push(command),
      close: () => undefined,
    };
    registry.register(connection);
    return connection;
  }

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-jobs-"));
    database = await newTestDatabase(dir);
    db = await database.open();
    now = Date.parse("2026-11-28T12:00:00Z");
    const clock = () => now;
    keyring = new Keyring([generateMasterKey()]);
    registry = new AgentRegistry(clock);
    sent = [];
    jobs = new JobService({
      db,
      keyring,
      registry,
      bus: new JobEventBus(clock),
      logger: pino({ level: "silent" }),
      lostAfterMs: 10 * MINUTE,
      now: clock,
    });
    hostId = (
      await db.host.create({
        data: { name: "web1", hostname: "web1", os: "linux", credentialHash: "x" },
      })
    ).id;
    repositoryId = (
      await insertReadyRepository(
        { db, keyring },
        { name: "r", url: "rest:http://u:secret@backup/r", password: "pw", env: { B2_KEY: "k" } },
      )
    ).id;
  });
  afterEach(async () => {
    await db.$disconnect();
    await database.drop();
  });

  it("queues while the host is away and sends the job, with its credentials, when it connects", async () => {
    const job = await jobs.create(
      { hostId, repositoryId, params: { kind: "snapshots" } },
      ADMIN,
      META,
    );
    expect(job.state).toBe("queued");
    expect(job.params).not.toContain("secret");
    connect();
    await jobs.dispatchQueued(hostId);
    expect(sent).toEqual([
      {
        type: "job",
        job: {
          id: job.id,
          params: { kind: "snapshots" },
          repository: {
            url: "rest:http://u:secret@backup/r",
            password: "pw",
            env: { B2_KEY: "k" },
          },
        },
      },
    ]);
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("dispatched");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "job.started" } });
    expect(audit.actorName).toBe("admin");
  });

  it("tells once that restic cannot reach the repository, only after it kept retrying for 10 s", async () => {
    const told: Array<{ jobId: string; line: string }> = [];
    jobs = new JobService({
      db,
      keyring,
      registry,
      bus: new JobEventBus(() => now),
      logger: pino({ level: "silent" }),
      lostAfterMs: 10 * MINUTE,
      now: () => now,
      onRepositoryUnreachable: async (job, line) => {
        told.push({ jobId: job.id, line });
      },
    });
    connect();
    const job = await jobs.create(
      { hostId, repositoryId, params: { kind: "backup", paths: ["/srv"] } },
      ADMIN,
      META,
    );
    await jobs.started(hostId, { jobId: job.id, startedAt: new Date(now) });
    const retry = (seconds: number) => ({
      at: new Date(now),
      stream: "stderr" as const,
      line: `Load(<data/6f2a>, 0, 0) returned error, retrying after ${seconds}s: connection refused`,
    });
    const say = (line: ReturnType<typeof retry>) =>
      jobs.log(hostId, { jobId: job.id, lines: [line] });
    // A blip restic rides out, and the same words on stdout: nobody is told.
    await say(retry(0.5));
    await jobs.log(hostId, {
      jobId: job.id,
      lines: [{ ...retry(1), stream: "stdout", at: new Date(now) }],
    });
    now += 9_000;
    await say(retry(4));
    expect(told).toEqual([]);
    // Still retrying 10 s after the first: told once, with restic's line.
    now += 1_000;
    await say(retry(8));
    now += 20_000;
    await say(retry(16));
    expect(told).toEqual([{ jobId: job.id, line: retry(8).line }]);
  });

  it("marks a running job lost when its host stays away past the timeout, not before", async () => {
    const connection = connect();
    const job = await jobs.create({ hostId, repositoryId, params: { kind: "check" } }, ADMIN, META);
    await jobs.started(hostId, { jobId: job.id, startedAt: new Date(now) });
    registry.unregister(connection);

    now += 9 * MINUTE;
    expect(await jobs.sweepLost()).toBe(0);
    now += 2 * MINUTE;
    expect(await jobs.sweepLost()).toBe(1);
    const lost = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(lost).toMatchObject({ state: "lost" });
    expect(lost.error).toMatch(/did not come back/);

    // The agent comes back with the real result: it replaces "lost".
    connect();
    await jobs.reconcile(hostId, {
      running: [],
      finished: [
        {
          jobId: job.id,
          outcome: "succeeded",
          exitCode: 0,
          error: null,
          finishedAt: new Date(now),
        },
      ],
    });
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
  });

  it("records a result once, however often it is delivered", async () => {
    connect();
    const job = await jobs.create({ hostId, repositoryId, params: { kind: "check" } }, ADMIN, META);
    const result = {
      jobId: job.id,
      outcome: "succeeded" as const,
      exitCode: 0,
      error: null,
      result: {
        kind: "check" as const,
        ok: true,
        numErrors: 0,
        brokenPacks: [],
        suggestRepairIndex: false,
        suggestPrune: false,
        errors: [],
      },
      finishedAt: new Date(now),
    };
    expect(await jobs.finished(hostId, result)).toEqual({ accepted: true });
    expect(await jobs.finished(hostId, { ...result, outcome: "failed" })).toEqual({
      accepted: false,
    });
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
  });

  it("keeps the first and the last log lines of a chatty job, within the bound", async () => {
    connect();
    const job = await jobs.create({ hostId, repositoryId, params: { kind: "check" } }, ADMIN, META);
    for (let batch = 0; batch < 6; batch++) {
      const lines = Array.from({ length: 500 }, (_, i) => ({
        at: new Date(now),
        stream: "stdout" as const,
        line: `line ${batch * 500 + i}`,
      }));
      await jobs.log(hostId, { jobId: job.id, lines });
    }
    const kept = await db.jobLog.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
    expect(kept).toHaveLength(2000);
    expect(kept[0]?.line).toBe("line 0");
    expect(kept[199]?.line).toBe("line 199");
    expect(kept[200]?.line).toBe("line 1200");
    expect(kept.at(-1)?.line).toBe("line 2999");
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).logLines).toBe(3000);
  });

  it("retries a failed job as a new one that remembers the first, and refuses to retry a success", async () => {
    connect();
    const job = await jobs.create({ hostId, repositoryId, params: { kind: "stats" } }, ADMIN, META);
    await jobs.finished(hostId, {
      jobId: job.id,
      outcome: "failed",
      exitCode: 1,
      error: "boom",
      finishedAt: new Date(now),
    });
    const retry = await jobs.retry(job.id, ADMIN, META);
    expect(retry).toMatchObject({ retryOfId: job.id, createdByType: "retry", kind: "stats" });
    expect((await db.job.findUniqueOrThrow({ where: { id: retry.id } })).state).toBe("dispatched");
    expect(JSON.parse(retry.params)).toEqual({ kind: "stats", mode: "restore-size" });
    await jobs.finished(hostId, {
      jobId: retry.id,
      outcome: "succeeded",
      exitCode: 0,
      error: null,
      finishedAt: new Date(now),
    });
    await expect(jobs.retry(retry.id, ADMIN, META)).rejects.toThrow(
      /Only a failed, cancelled or lost job/,
    );
  });

  it("cancels a queued job at once and asks the agent to stop a running one", async () => {
    const queued = await jobs.create(
      { hostId, repositoryId, params: { kind: "check" } },
      ADMIN,
      META,
    );
    await jobs.cancel(queued.id, ADMIN, META);
    expect((await db.job.findUniqueOrThrow({ where: { id: queued.id } })).state).toBe("cancelled");

    connect();
    const running = await jobs.create(
      { hostId, repositoryId, params: { kind: "check" } },
      ADMIN,
      META,
    );
    await jobs.started(hostId, { jobId: running.id, startedAt: new Date(now) });
    await jobs.cancel(running.id, ADMIN, META);
    expect(sent.at(-1)).toEqual({ type: "cancel", jobId: running.id });
    expect(sent.some((c) => c.type === "job" && c.job.id === queued.id)).toBe(false);
  });

  it("refuses bad params with a clear error and stores nothing", async () => {
    await expect(
      jobs.create({ hostId, repositoryId, params: { kind: "backup", paths: [] } }, ADMIN, META),
    ).rejects.toThrow(/At least one path is required/);
    await expect(
      jobs.create({ hostId, params: { kind: "snapshots" } }, ADMIN, META),
    ).rejects.toThrow(/needs a repository/);
    expect(await db.job.count()).toBe(0);
  });

  it("sends forget, prune and unlock only to the maintenance host, with the full-rights endpoint", async () => {
    const maintainer = await db.host.create({
      data: { name: "vault", hostname: "vault", os: "linux", credentialHash: "x" },
    });
    const guarded = await insertReadyRepository(
      { db, keyring: new Keyring([generateMasterKey()]) },
      { name: "guarded", url: "rest:http://backup/append", password: "pw" },
    );
    // No maintenance host yet: refused with what to do.
    await expect(
      jobs.create({ hostId, repositoryId: guarded.id, params: { kind: "unlock" } }, ADMIN, META),
    ).rejects.toThrow(/give "guarded" a maintenance endpoint and host first/);

    const withMaintenance = await insertReadyRepository(
      { db, keyring: new Keyring([generateMasterKey()]) },
      {
        name: "maintained",
        url: "rest:http://backup/append",
        password: "pw",
        maintenance: { url: "rest:http://backup/full", hostId: maintainer.id },
      },
    );
    for (const kind of ["forget", "prune", "unlock"] as const) {
      const params =
        kind === "forget"
          ? { kind, policy: { keepLast: 1 } }
          : ({ kind } as { kind: "prune" | "unlock" });
      await expect(
        jobs.create({ hostId, repositoryId: withMaintenance.id, params }, ADMIN, META),
      ).rejects.toThrow(
        `${kind} on "maintained" runs only on vault: other hosts have append-only access`,
      );
      const job = await jobs.create(
        { hostId: maintainer.id, repositoryId: withMaintenance.id, params },
        ADMIN,
        META,
      );
      expect(job.endpoint).toBe("maintenance");
    }
    // Backups from an endpoint use the backup endpoint.
    const backup = await jobs.create(
      { hostId, repositoryId: withMaintenance.id, params: { kind: "backup", paths: ["/srv"] } },
      ADMIN,
      META,
    );
    expect(backup.endpoint).toBe("backup");
    expect(
      await db.job.count({ where: { hostId, kind: { in: ["forget", "prune", "unlock"] } } }),
    ).toBe(0);
  });

  it("summarises jobs by state and counts failures of the last day", async () => {
    connect();
    const done = await jobs.create(
      { hostId, repositoryId, params: { kind: "check" } },
      ADMIN,
      META,
    );
    const failed = await jobs.create(
      { hostId, repositoryId, params: { kind: "check" } },
      ADMIN,
      META,
    );
    await jobs.create({ hostId, repositoryId, params: { kind: "check" } }, ADMIN, META);
    await jobs.finished(hostId, {
      jobId: done.id,
      outcome: "succeeded",
      exitCode: 0,
      error: null,
      finishedAt: new Date(now),
    });
    await jobs.finished(hostId, {
      jobId: failed.id,
      outcome: "failed",
      exitCode: 1,
      error: "x",
      finishedAt: new Date(now),
    });
    expect(await summariseJobs(db, new Date(now + 60_000))).toEqual({
      queued: 1,
      running: 0,
      failedLastDay: 1,
    });
    expect((await summariseJobs(db, new Date(now + 2 * 86_400_000))).failedLastDay).toBe(0);
  });
});
