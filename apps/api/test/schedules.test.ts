import { waitFor } from "@restic-manager/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScheduleService } from "../src/schedules/service.js";
import { connectAgent, enrollHost, HELLO } from "./support/agentLink.js";
import { insertReadyRepository } from "./support/repositories.js";
import { type Client, createWorld, errorOf, type World } from "./support/world.js";

const MINUTE = 60_000;
const DAILY = { type: "daily", time: "02:30" } as const;

/**
 * The server's side of schedules, with a stand-in agent on the real link (the agent's own
 * scheduler has its tests in apps/agent; the whole path runs in scheduledBackups.test.ts).
 */
describe("schedules on the server", () => {
  let world: World;
  let admin: Client;
  let hostId: string;
  let credential: string;
  let repositoryId: string;
  let bareRepositoryId: string;
  let setId: string;

  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    ({ hostId, credential } = await enrollHost(world, admin, "web1"));
    const deps = world.server.deps;
    repositoryId = (
      await insertReadyRepository(deps, {
        name: "main",
        url: "rest:http://127.0.0.1:1/main",
        password: "main password",
        maintenance: { url: "rest:http://admin:pw@127.0.0.1:1/main", hostId },
      })
    ).id;
    bareRepositoryId = (
      await insertReadyRepository(deps, {
        name: "bare",
        url: "rest:http://127.0.0.1:1/bare",
        password: "bare password",
      })
    ).id;
    setId = (
      await admin.backupSets.create.mutate({
        name: "documents",
        hostId,
        repositoryId,
        options: { paths: ["/srv/documents"] },
      })
    ).id;
  });
  afterEach(() => world.close());

  it("refuses bad input with the reason and saves nothing", async () => {
    const base = { kind: "backup" as const, backupSetId: setId };
    const refusals = [
      [{ ...base, timing: { type: "cron", expression: "61 * * * *" } }, /Invalid cron expression/],
      [{ ...base, timing: DAILY, timeZone: "Mars/Olympus" }, /Unknown time zone "Mars\/Olympus"/],
      [{ ...base, timing: { type: "hourly", minute: 0 }, spreadMinutes: 60 }, /spread window/],
      [{ kind: "forget", backupSetId: setId, timing: DAILY }, /no retention policy/],
      [{ kind: "prune", repositoryId: bareRepositoryId, timing: DAILY }, /no maintenance host/],
      [{ kind: "check", repositoryId: bareRepositoryId, timing: DAILY }, /no maintenance host/],
      [{ ...base, timing: DAILY, options: { maxUnused: "5%" } }, /Only a prune schedule/],
    ] as const;
    for (const [input, message] of refusals) {
      const error = await errorOf(admin.schedules.create.mutate(input));
      expect(error.data?.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
    }
    // A retention policy that keeps nothing is refused before it reaches the set.
    const empty = await errorOf(
      admin.backupSets.update.mutate({
        id: setId,
        name: "documents",
        hostId,
        repositoryId,
        options: { paths: ["/srv/documents"] },
        retention: {},
      }),
    );
    expect(empty.message).toMatch(/keeps nothing/);
    expect(await world.server.deps.db.schedule.count()).toBe(0);
    expect((await admin.backupSets.list.query({ hostId })).items[0]?.retention).toBeNull();
  });

  it("previews a timing in words with its next runs in the zone, or says why not", async () => {
    const preview = await admin.schedules.preview.query({
      timing: { type: "weekly", days: [1, 5], time: "02:30" },
      timeZone: "Europe/Berlin",
      count: 3,
    });
    expect(preview.description).toBe("Every Monday, Friday at 02:30");
    expect(preview.nextRuns).toHaveLength(3);
    for (const run of preview.nextRuns) {
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin",
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
      }).format(run);
      expect(local).toMatch(/^(Mon|Fri) 02:30$/);
    }
    await expect(
      admin.schedules.preview.query({ timing: { type: "cron", expression: "nonsense" } }),
    ).rejects.toThrow(/Invalid cron expression/);
  });

  it("pushes a host's schedules to its agent on connect and on every change", async () => {
    const agent = connectAgent(world, credential);
    await waitFor(() => agent.schedules.length >= 1 || undefined, { what: "the first push" });
    expect(agent.schedules.at(-1)).toEqual([]);

    const created = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: setId,
      timing: DAILY,
      timeZone: "Europe/Berlin",
      spreadMinutes: 30,
    });
    const pushed = await waitFor(() => agent.schedules.at(-1)?.[0], { what: "the new schedule" });
    expect(pushed).toMatchObject({
      id: created.id,
      kind: "backup",
      timeZone: "Europe/Berlin",
      paused: false,
      job: {
        params: {
          kind: "backup",
          paths: ["/srv/documents"],
          tags: [`rm-host:${hostId}`, `rm-set:${setId}`],
        },
        // The agent gets the credentials to keep (it stores them encrypted).
        repository: { url: "rest:http://admin:pw@127.0.0.1:1/main", password: "main password" },
      },
    });
    expect(pushed.spreadMs).toBeGreaterThanOrEqual(0);
    expect(pushed.spreadMs).toBeLessThan(30 * MINUTE);

    await admin.schedules.setPaused.mutate({ id: created.id, paused: true });
    await waitFor(() => agent.schedules.at(-1)?.[0]?.paused || undefined, { what: "the pause" });
    expect(agent.schedules.at(-1)?.[0]?.revision).toBe(2);

    await admin.schedules.remove.mutate({ id: created.id });
    await waitFor(() => agent.schedules.at(-1)?.length === 0 || undefined, { what: "the removal" });
    await agent.close();
  });

  it("deleting a backup set withdraws its schedules from the agent", async () => {
    const agent = connectAgent(world, credential);
    await admin.schedules.create.mutate({ kind: "backup", backupSetId: setId, timing: DAILY });
    await waitFor(() => agent.schedules.at(-1)?.length === 1 || undefined, { what: "the push" });
    await admin.backupSets.remove.mutate({ id: setId });
    await waitFor(() => agent.schedules.at(-1)?.length === 0 || undefined, {
      what: "the withdrawal",
    });
    expect(await world.server.deps.db.schedule.count()).toBe(0);
    await agent.close();
  });

  it("an agent of protocol 1 gets no schedules, and the schedule says it needs an upgrade", async () => {
    const old = connectAgent(world, credential, { hello: { ...HELLO, protocolVersion: 1 } });
    await waitFor(async () => (await admin.hosts.get.query({ id: hostId })).online || undefined);
    const created = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: setId,
      timing: DAILY,
    });
    expect(created.problem).toMatch(/too old to run schedules/);
    // Jobs from the server still reach it.
    const { jobId } = await admin.schedules.runNow.mutate({ id: created.id });
    await waitFor(() => old.commands.find((c) => c.type === "job" && c.job.id === jobId));
    expect(old.schedules).toEqual([]);
    await old.close();
  });

  it("records a run the agent reports once, however often it is reported", async () => {
    const agent = connectAgent(world, credential);
    const schedule = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: setId,
      timing: { type: "hourly", minute: 0 },
      timeZone: "UTC",
    });
    const slot = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
    const run = {
      jobId: "run_reportedTwice000",
      scheduleId: schedule.id,
      revision: 1,
      slot,
      params: { kind: "backup" as const, paths: ["/srv/documents"] },
      startedAt: new Date(),
    };
    const first = await agent.trpc.agent.scheduleReport.mutate({ runs: [run], misses: [] });
    const again = await agent.trpc.agent.scheduleReport.mutate({ runs: [run], misses: [] });
    expect([first.recorded, again.recorded]).toEqual([1, 0]);
    const job = await admin.jobs.get.query({ id: run.jobId });
    expect(job).toMatchObject({ state: "running", createdByType: "schedule", hostId });
    // The run's result follows on the usual path.
    await agent.trpc.agent.jobFinished.mutate({
      jobId: run.jobId,
      outcome: "succeeded",
      exitCode: 0,
      error: null,
      finishedAt: new Date(),
    });
    const listed = await admin.schedules.get.query({ id: schedule.id });
    expect(listed.lastRun).toMatchObject({ id: run.jobId, state: "succeeded" });

    // Another host cannot claim this one's job id.
    const other = await enrollHost(world, admin, "web2");
    const intruder = connectAgent(world, other.credential);
    const claimed = await intruder.trpc.agent.scheduleReport.mutate({ runs: [run], misses: [] });
    expect(claimed.recorded).toBe(0);
    expect((await admin.jobs.get.query({ id: run.jobId })).hostId).toBe(hostId);
    await Promise.all([agent.close(), intruder.close()]);
  });

  it("run now refuses a second run while one is under way", async () => {
    const agent = connectAgent(world, credential);
    const schedule = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: setId,
      timing: DAILY,
    });
    const { jobId } = await admin.schedules.runNow.mutate({ id: schedule.id });
    const command = await waitFor(() =>
      agent.commands.find((c) => c.type === "job" && c.job.id === jobId),
    );
    expect(command).toMatchObject({ job: { scheduleId: schedule.id } });
    const second = await errorOf(admin.schedules.runNow.mutate({ id: schedule.id }));
    expect(second.data?.code).toBe("CONFLICT");
    await agent.close();
  });

  it("marks slots nobody reported missed after the grace period; a late report clears the mark", async () => {
    const deps = world.server.deps;
    const clock = { now: Date.parse("2026-06-01T10:00:30Z") };
    const service = new ScheduleService({
      db: deps.db,
      keyring: deps.keyring,
      registry: deps.agents,
      jobs: deps.jobs,
      bus: deps.jobEvents,
      logger: deps.logger,
      lockWaitSeconds: 0,
      graceMs: 2 * MINUTE,
      now: () => clock.now,
    });
    const schedule = await deps.db.schedule.create({
      data: {
        kind: "backup",
        hostId,
        repositoryId,
        backupSetId: setId,
        timing: JSON.stringify({ type: "cron", expression: "* * * * *" }),
        timeZone: "UTC",
        judgedThrough: new Date(clock.now),
      },
    });
    // One slot ran (reported by the agent); the others did not.
    const agent = connectAgent(world, credential);
    await agent.trpc.agent.scheduleReport.mutate({
      runs: [
        {
          jobId: "run_ranAt1003000000000",
          scheduleId: schedule.id,
          revision: 1,
          slot: new Date("2026-06-01T10:03:00Z"),
          params: { kind: "backup", paths: ["/srv/documents"] },
          startedAt: new Date("2026-06-01T10:03:01Z"),
        },
      ],
      misses: [],
    });
    // Browsers hear of marks and cleared marks over the fleet event stream (its "schedules").
    let judged = 0;
    let reported = 0;
    service.changes.on("changed", () => judged++);
    deps.schedules.changes.on("changed", () => reported++);
    // Not before the server has been up a grace period: agents may still be reconnecting.
    expect(await service.judgeMissed()).toBe(0);
    expect(judged).toBe(0);
    clock.now = Date.parse("2026-06-01T10:06:50Z");
    expect(await service.judgeMissed()).toBe(3);
    expect(judged).toBe(1);
    const misses = await deps.db.scheduleMiss.findMany({ where: { scheduleId: schedule.id } });
    expect(misses.map((m) => m.slot.toISOString()).sort()).toEqual([
      "2026-06-01T10:01:00.000Z",
      "2026-06-01T10:02:00.000Z",
      "2026-06-01T10:04:00.000Z",
    ]);
    // Judged once: a second pass marks nothing again, and tells nobody.
    expect(await service.judgeMissed()).toBe(0);
    expect(judged).toBe(1);
    expect(reported).toBe(0);
    // The run for 10:04 arrives late (the agent was cut off): it counts, and the mark goes.
    await agent.trpc.agent.scheduleReport.mutate({
      runs: [
        {
          jobId: "run_lateAt10040000000",
          scheduleId: schedule.id,
          revision: 1,
          slot: new Date("2026-06-01T10:04:00Z"),
          params: { kind: "backup", paths: ["/srv/documents"] },
          startedAt: new Date("2026-06-01T10:04:01Z"),
        },
      ],
      misses: [],
    });
    expect(reported).toBe(1);
    const left = await admin.schedules.misses.query({ scheduleId: schedule.id });
    expect(left.items.map((m) => m.slot.toISOString()).sort()).toEqual([
      "2026-06-01T10:01:00.000Z",
      "2026-06-01T10:02:00.000Z",
    ]);
    await agent.close();
  });
});
