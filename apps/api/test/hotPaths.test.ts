import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TAgentCommand } from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, onStatement } from "../src/db.js";
import { AgentRegistry } from "../src/hosts/registry.js";
import { JobEventBus } from "../src/jobs/eventBus.js";
import { JobService } from "../src/jobs/service.js";
import { generateMasterKey, Keyring } from "../src/secrets/keyring.js";
import { ADMIN, HALFWAY, META } from "./support/actors.js";
import { connectAgent, enrollHost } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { newTestDatabase, type TestDatabase } from "./support/testDatabase.js";
import { createWorld, type World } from "./support/world.js";

/**
 * What each hot path costs in SQL statements (BEGIN and COMMIT included). The counts are
 * deterministic: a change that adds a query to a path an agent or a browser runs thousands of
 * times a second fails here, with the statements listed.
 */

/** Runs `fn` and returns the SQL of every statement it ran. */
async function statementsOf(db: Db, fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const stop = onStatement(db, (sql) => seen.push(sql));
  try {
    await fn();
  } finally {
    stop();
  }
  return seen;
}

const isRead = (sql: string) => /^\s*SELECT/i.test(sql);
/** A statement that reads or writes `table` (Prisma writes `main`.`Table`, the server "Table"). */
const touches = (table: string) => (sql: string) =>
  sql.includes(`\`main\`.\`${table}\``) || sql.includes(`"${table}"`);

describe("hot paths with a real SQLite file and a fake agent connection", () => {
  let db: Db;
  let database: TestDatabase;
  let now: number;
  let registry: AgentRegistry;
  let keyring: Keyring;
  let bus: JobEventBus;
  let jobs: JobService;
  let sent: TAgentCommand[];
  let hostId: string;
  let repositoryId: string;

  function service() {
    return new JobService({
      db,
      keyring,
      registry,
      bus,
      logger: pino({ level: "silent" }),
      lostAfterMs: 600_000,
      now: () => now,
    });
  }

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-hot-"));
    database = await newTestDatabase(dir);
    db = await database.open();
    now = Date.parse("2026-11-28T12:00:00Z");
    keyring = new Keyring([generateMasterKey()]);
    registry = new AgentRegistry(() => now);
    bus = new JobEventBus(() => now);
    sent = [];
    jobs = service();
    hostId = (
      await db.host.create({
        data: { name: "web1", hostname: "web1", os: "linux", credentialHash: "x" },
      })
    ).id;
    repositoryId = (
      await insertReadyRepository(
        { db, keyring },
        { name: "r", url: "rest:http://u:secret@backup/r", password: "pw" },
      )
    ).id;
    registry.register({
      hostId,
      hostName: "web1",
      connectedAt: new Date(now),
      send: (command) => sent.push(command),
      close: () => undefined,
    });
    // The one read of the jobs that had not ended when the process started.
    await jobs.dispatchQueued(hostId);
  });
  afterEach(async () => {
    await db.$disconnect();
    await database.drop();
  });

  async function runningBackup() {
    const job = await jobs.create(
      { hostId, repositoryId, params: { kind: "backup", paths: ["/srv"] } },
      ADMIN,
      META,
    );
    await jobs.started(hostId, { jobId: job.id, startedAt: new Date(now) });
    return job;
  }

  it("creates and dispatches a backup to its connected agent in one transaction of five statements", async () => {
    let id = "";
    const statements = await statementsOf(db, async () => {
      id = (
        await jobs.create(
          { hostId, repositoryId, params: { kind: "backup", paths: ["/srv"] } },
          ADMIN,
          META,
        )
      ).id;
    });
    // The repository; BEGIN, the job (already dispatched), its audit row, COMMIT. The host is
    // known from its connection.
    expect(statements, statements.join("\n")).toHaveLength(5);
    expect(statements.filter(isRead), statements.join("\n")).toHaveLength(1);
    expect(statements.filter((sql) => /^BEGIN|^COMMIT/i.test(sql))).toHaveLength(2);
    expect(sent).toMatchObject([{ type: "job", job: { id, params: { kind: "backup" } } }]);
    const row = await db.job.findUniqueOrThrow({ where: { id } });
    expect(row.state).toBe("dispatched");
    expect(row.dispatchedAt).not.toBeNull();
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: id } });
    expect(audit.targetName).toBe("backup on web1");
  });

  it("refuses a job for a revoked host even while its socket is still registered", async () => {
    registry.end(hostId, "host revoked");
    await db.host.update({ where: { id: hostId }, data: { revokedAt: new Date(now) } });
    await expect(
      jobs.create({ hostId, repositoryId, params: { kind: "snapshots" } }, ADMIN, META),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("publishes a progress event without reading the database, and stores it once a second", async () => {
    const job = await runningBackup();
    const first = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: job.id, progress: HALFWAY }),
    );
    expect(first, first.join("\n")).toHaveLength(1);
    expect(first[0]).toMatch(/^UPDATE/i);
    now += 200;
    const second = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: job.id, progress: { ...HALFWAY, percentDone: 0.6 } }),
    );
    expect(second).toEqual([]);
    now += 1000;
    const third = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: job.id, progress: { ...HALFWAY, percentDone: 0.7 } }),
    );
    expect(third.filter(isRead)).toEqual([]);
    expect(third).toHaveLength(1);
    const stored = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(JSON.parse(stored.progress ?? "{}")).toMatchObject({ percentDone: 0.7 });
  });

  it("refuses progress from another host from memory, and the job is untouched", async () => {
    const job = await runningBackup();
    const other = (
      await db.host.create({
        data: { name: "web2", hostname: "web2", os: "linux", credentialHash: "y" },
      })
    ).id;
    const statements = await statementsOf(db, async () => {
      await expect(
        jobs.progress(other, { jobId: job.id, progress: HALFWAY }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    });
    expect(statements).toEqual([]);
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).progress).toBeNull();
  });

  it("after a restart, reads a running job once and then reports on it from memory", async () => {
    const job = await runningBackup();
    jobs = service(); // a new process: nothing in memory
    const first = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: job.id, progress: HALFWAY }),
    );
    // The jobs that had not ended, read once for everything; then the progress write.
    expect(first.filter(isRead), first.join("\n")).toHaveLength(1);
    expect(first).toHaveLength(2);
    now += 100;
    const next = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: job.id, progress: HALFWAY }),
    );
    expect(next).toEqual([]);
  });

  it("reads a job made outside this service (an agent's own schedule) once, then not again", async () => {
    const made = await db.job.create({
      data: {
        hostId,
        repositoryId,
        kind: "backup",
        endpoint: "backup",
        params: JSON.stringify({ kind: "backup", paths: ["/srv"] }),
        state: "running",
        startedAt: new Date(now),
        createdByType: "schedule",
        createdByName: "a schedule",
      },
    });
    const first = await statementsOf(db, () =>
      jobs.progress(hostId, { jobId: made.id, progress: HALFWAY }),
    );
    expect(first.filter(isRead), first.join("\n")).toHaveLength(1);
    now += 100;
    const next = await statementsOf(db, () =>
      jobs.log(hostId, {
        jobId: made.id,
        lines: [{ at: new Date(now), stream: "stdout", line: "x" }],
      }),
    );
    expect(next.filter(isRead), next.join("\n")).toEqual([]);
  });

  it("stores a log batch in one transaction, a prepared insert per line, and none is a read", async () => {
    const job = await runningBackup();
    const lines = Array.from({ length: 20 }, (_, i) => ({
      at: new Date(now),
      stream: "stdout" as const,
      line: `line ${i}`,
    }));
    const statements = await statementsOf(db, () => jobs.log(hostId, { jobId: job.id, lines }));
    // BEGIN, the lines (one prepared INSERT each), the job's line count, COMMIT.
    const verbs = statements.map((sql) => /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase());
    expect(verbs, statements.join("\n")).toEqual([
      "BEGIN",
      ...lines.map(() => "INSERT"),
      "UPDATE",
      "COMMIT",
    ]);
    expect(statements.filter(isRead)).toEqual([]);
    expect(await db.jobLog.count({ where: { jobId: job.id } })).toBe(20);
  });

  it("on a reconnect, marks lost a running job the agent no longer knows, with one read", async () => {
    const forgotten = await runningBackup();
    now += 60_000;
    registry.register({
      hostId,
      hostName: "web1",
      connectedAt: new Date(now),
      send: (command) => sent.push(command),
      close: () => undefined,
    });
    now += 1000;
    const sinceConnect = await runningBackup(); // started after the connect: known for certain
    let result = { recorded: -1, lost: -1 };
    const statements = await statementsOf(db, async () => {
      result = await jobs.reconcile(hostId, { running: [], finished: [] });
    });
    expect(result).toEqual({ recorded: 0, lost: 1 });
    expect(statements.filter(isRead), statements.join("\n")).toHaveLength(1);
    const states = await db.job.findMany({
      where: { id: { in: [forgotten.id, sinceConnect.id] } },
      select: { id: true, state: true },
    });
    expect(Object.fromEntries(states.map((j) => [j.id, j.state]))).toEqual({
      [forgotten.id]: "lost",
      [sinceConnect.id]: "running",
    });
  });

  it("finishes a job without reading it, and forgets it", async () => {
    const job = await runningBackup();
    const statements = await statementsOf(db, () =>
      jobs.finished(hostId, {
        jobId: job.id,
        outcome: "succeeded",
        exitCode: 0,
        error: null,
        finishedAt: new Date(now),
      }),
    );
    // BEGIN, the job, the host's last backup, COMMIT.
    expect(statements, statements.join("\n")).toHaveLength(4);
    expect(statements.filter(isRead)).toEqual([]);
    // Delivered again: the job has ended, which takes one read to know.
    const again = await jobs.finished(hostId, {
      jobId: job.id,
      outcome: "failed",
      exitCode: 1,
      error: "late",
      finishedAt: new Date(now),
    });
    expect(again.accepted).toBe(false);
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
  });
});

describe("an agent connect through the real server", () => {
  let world: World;

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
  });
  afterEach(() => world.close());

  it("of a host with nothing queued reads it once per process and writes nothing while connecting", async () => {
    const admin = await world.signIn("admin");
    const { credential, hostId } = await enrollHost(world, admin, "web1");
    const { db } = world.server.deps;

    const connectOnce = async () => {
      const seen: string[] = [];
      const stop = onStatement(db, (sql) => seen.push(sql));
      const agent = connectAgent(world, credential);
      // Connected once its schedules (none) were pushed: the last step of the connect.
      await waitFor(() => agent.schedules.length > 0 || undefined, {
        timeoutMs: 10_000,
        what: "the schedules push",
      });
      stop();
      await agent.close();
      await waitFor(() => !world.server.deps.agents.isOnline(hostId) || undefined, {
        timeoutMs: 10_000,
        what: "the agent to disconnect",
      });
      return seen;
    };

    // What this test is about; the rest of a connect (whether an alert about the host being
    // away is open) belongs to the alerts.
    const credentialReads = (sqls: string[]) =>
      sqls.filter((sql) => isRead(sql) && sql.includes("credentialHash"));
    const writes = (sqls: string[]) => sqls.filter((sql) => /^(UPDATE|INSERT|DELETE)/i.test(sql));
    const jobReads = (sqls: string[]) => sqls.filter(touches("Job"));

    // First connect in this process: the host is read, and its facts (restic's version…)
    // written; the jobs that had not ended are read once for the whole process.
    const first = await connectOnce();
    expect(credentialReads(first), first.join("\n")).toHaveLength(1);
    expect(writes(first), first.join("\n")).toHaveLength(1);
    expect(jobReads(first), first.join("\n")).toHaveLength(1);

    // A reconnect: the credential is checked in memory, the unchanged facts are not written,
    // and the host's queued jobs are not looked up: it has none.
    const second = await connectOnce();
    expect(credentialReads(second), second.join("\n")).toEqual([]);
    expect(writes(second), second.join("\n")).toEqual([]);
    expect(jobReads(second), second.join("\n")).toEqual([]);
    // Its schedules (none) cost one query, not one per relation of a schedule.
    expect(second.filter(touches("Schedule")), second.join("\n")).toHaveLength(1);
    expect(
      second.filter((sql) => sql.includes("IN (NULL)")),
      second.join("\n"),
    ).toEqual([]);

    // lastSeenAt is written in a batch, not per connect.
    await world.server.deps.presence.flush();
    const host = await db.host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.lastSeenAt).not.toBeNull();

    // After a restart: one read of the host, and its facts, unchanged, are not written again.
    await world.restart();
    const db2 = world.server.deps.db;
    const seen: string[] = [];
    const stop = onStatement(db2, (sql) => seen.push(sql));
    const agent = connectAgent(world, credential);
    await waitFor(() => agent.schedules.length > 0 || undefined, { what: "the reconnect" });
    stop();
    await agent.close();
    expect(credentialReads(seen), seen.join("\n")).toHaveLength(1);
    expect(writes(seen), seen.join("\n")).toEqual([]);
  });

  it("refuses a revoked host at once, though its credential was checked in memory before", async () => {
    const admin = await world.signIn("admin");
    const { credential, hostId } = await enrollHost(world, admin, "web1");
    const agent = connectAgent(world, credential);
    await waitFor(() => agent.schedules.length > 0 || undefined, {
      timeoutMs: 10_000,
      what: "the first connect",
    });
    await agent.close();
    await admin.hosts.revoke.mutate({ id: hostId });
    const again = connectAgent(world, credential, { subscribe: false });
    await waitFor(() => again.closes.length > 0 || undefined, {
      timeoutMs: 10_000,
      what: "the refusal",
    });
    expect(world.server.deps.agents.isOnline(hostId)).toBe(false);
    await again.close();
  });
});
