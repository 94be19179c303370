import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TJobResult } from "@restic-manager/contracts";
import { type RestServer, startRestServer, waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, agentStatus, enrollAgent, startAgent } from "./support/agents.js";
import { waitForJobEnd } from "./support/jobs.js";
import { type Client, createWorld, type World } from "./support/world.js";

const restic = path.resolve(import.meta.dirname, "../../../.tools/bin/restic");
const PASSWORD = "repository password for the schedule test";
const MINUTE = 60_000;
const OUTAGE_MS = 3 * MINUTE;

/** The time between consecutive slots. */
const gaps = (slots: number[]) => slots.slice(1).map((slot, i) => slot - (slots[i] ?? 0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Milliseconds until the next whole minute plus `offsetMs`. */
const untilMinute = (offsetMs: number) => MINUTE - (Date.now() % MINUTE) + offsetMs;

/**
 * Per-minute schedules on two real agents (restic 0.18, rest-server) while the server is
 * stopped for three minutes. The agents fire from their own clocks: host A keeps backing up
 * through the outage; host B's agent is also stopped for two slots and, started again, catches
 * up the latest one once and reports the other missed. Once the server is back, every run
 * appears exactly once and matches restic's own snapshot list one-to-one.
 */
describe("schedules run on the agent, whether or not the server is up", () => {
  let world: World;
  let admin: Client;
  let rest: RestServer;
  const agents: Record<"a" | "b", AgentProcess | undefined> = { a: undefined, b: undefined };
  const configFiles: Record<"a" | "b", string> = { a: "", b: "" };
  const hosts: Record<"a" | "b", string> = { a: "", b: "" };
  const sets: Record<"a" | "b", string> = { a: "", b: "" };
  let repositoryUrl = "";

  async function snapshotIds(setId: string): Promise<string[]> {
    const { stdout } = await promisify(execFile)(
      restic,
      ["--no-cache", "--no-lock", "snapshots", "--json", "--tag", `rm-set:${setId}`],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: tmpdir(),
          RESTIC_REPOSITORY: repositoryUrl,
          RESTIC_PASSWORD: PASSWORD,
        },
      },
    );
    return (JSON.parse(stdout) as Array<{ id: string }>).map((s) => s.id).sort();
  }

  function scheduledJobs(scheduleId: string) {
    return world.server.deps.db.job.findMany({
      where: { scheduleId },
      orderBy: { scheduledFor: "asc" },
    });
  }

  beforeAll(async () => {
    world = await createWorld();
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
    rest = await startRestServer(mkdtempSync(path.join(tmpdir(), "rm-rest-")));
    repositoryUrl = rest.repository("fleet");
    for (const name of ["a", "b"] as const) {
      configFiles[name] = await enrollAgent(admin, world.server.url);
      agents[name] = startAgent(configFiles[name]);
      const known = Object.values(hosts);
      const host = await waitFor(
        async () =>
          (await admin.hosts.list.query()).items.find((h) => h.online && !known.includes(h.id)),
        { timeoutMs: 30_000, what: `agent ${name} to connect` },
      );
      hosts[name] = host.id;
    }
    const { repository, setupJobId } = await admin.repositories.create.mutate({
      name: "fleet",
      url: repositoryUrl,
      password: PASSWORD,
      setup: { mode: "init", hostId: hosts.a },
    });
    expect((await waitForJobEnd(admin, setupJobId)).state).toBe("succeeded");
    for (const name of ["a", "b"] as const) {
      const tree = mkdtempSync(path.join(tmpdir(), `rm-tree-${name}-`));
      writeFileSync(path.join(tree, "notes.txt"), `host ${name}\n`);
      const set = await admin.backupSets.create.mutate({
        name: `documents-${name}`,
        hostId: hosts[name],
        repositoryId: repository.id,
        options: { paths: [tree] },
      });
      sets[name] = set.id;
    }
  });

  afterAll(async () => {
    for (const agent of Object.values(agents)) await agent?.stop();
    await rest?.stop();
    await world?.close();
  });

  it("runs every slot once through a server outage, and marks the slot missed while the agent was stopped", {
    timeout: 12 * MINUTE,
  }, async () => {
    const every = { type: "cron", expression: "* * * * *" } as const;
    const scheduleA = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: sets.a,
      timing: every,
      timeZone: "UTC",
    });
    const scheduleB = await admin.schedules.create.mutate({
      kind: "backup",
      backupSetId: sets.b,
      timing: every,
      timeZone: "UTC",
    });
    expect(scheduleA.nextRunAt?.getTime()).toBe(Math.ceil(Date.now() / MINUTE) * MINUTE);

    // Both fire from their clocks, with the server up.
    const firstRun = async (scheduleId: string) =>
      waitFor(
        async () =>
          (await scheduledJobs(scheduleId)).find((job) => job.state === "succeeded") ?? undefined,
        { timeoutMs: 2 * MINUTE, intervalMs: 500, what: "a scheduled run to succeed" },
      );
    await firstRun(scheduleA.id);
    await firstRun(scheduleB.id);
    const beforeOutage = (await snapshotIds(sets.a)).length;

    let stoppedBAt = 0;
    let restartedBAt = 0;
    let snapshotsDuringOutage = 0;
    await world.restart(async () => {
      const downSince = Date.now();
      // B is stopped once idle, for two slots: it starts again 10 s after the second.
      await waitFor(
        async () => (await agentStatus(configFiles.b)).includes("Running:     nothing"),
        {
          timeoutMs: 30_000,
          intervalMs: 250,
          what: "agent B to be idle",
        },
      );
      await agents.b?.stop();
      stoppedBAt = Date.now();
      await sleep(untilMinute(MINUTE + 10_000));
      agents.b = startAgent(configFiles.b);
      restartedBAt = Date.now();
      await sleep(Math.max(0, downSince + OUTAGE_MS - Date.now()));
      // A went on backing up while nobody could have told it to.
      snapshotsDuringOutage = (await snapshotIds(sets.a)).length - beforeOutage;
    });
    expect(snapshotsDuringOutage).toBeGreaterThanOrEqual(2);

    // The agents reconnect (with back-off) and report what they ran while away.
    await waitFor(
      async () => {
        const recorded = (await scheduledJobs(scheduleA.id)).filter((j) => j.state === "succeeded");
        return recorded.length >= beforeOutage + snapshotsDuringOutage || undefined;
      },
      { timeoutMs: 3 * MINUTE, intervalMs: 1000, what: "A's runs during the outage to arrive" },
    );

    // Stop both and let the last runs end, then compare with restic, one to one.
    for (const schedule of [scheduleA, scheduleB]) {
      await admin.schedules.setPaused.mutate({ id: schedule.id, paused: true });
    }
    for (const schedule of [scheduleA, scheduleB]) {
      await waitFor(
        async () =>
          (await scheduledJobs(schedule.id)).every((job) =>
            ["succeeded", "failed", "cancelled", "lost"].includes(job.state),
          ) || undefined,
        { timeoutMs: MINUTE, intervalMs: 500, what: "the last runs to end" },
      );
    }
    // B's agent may still be waiting to reconnect (its back-off grew while the server was
    // away) with the runs it made then: every run is recorded once it is back.
    for (const [name, schedule] of [
      ["a", scheduleA],
      ["b", scheduleB],
    ] as const) {
      await waitFor(
        async () => {
          const jobs = await scheduledJobs(schedule.id);
          const done = jobs.every((job) => job.state === "succeeded");
          return (done && jobs.length >= (await snapshotIds(sets[name])).length) || undefined;
        },
        { timeoutMs: 3 * MINUTE, intervalMs: 1000, what: `${name}'s runs to be reported` },
      );
    }

    for (const [name, schedule] of [
      ["a", scheduleA],
      ["b", scheduleB],
    ] as const) {
      const jobs = await scheduledJobs(schedule.id);
      expect(jobs.map((job) => [job.state, job.createdByType])).toEqual(
        jobs.map(() => ["succeeded", "schedule"]),
      );
      const fromJobs = jobs
        .map(
          (job) =>
            (JSON.parse(job.result ?? "{}") as Extract<TJobResult, { kind: "backup" }>).snapshotId,
        )
        .sort();
      // One run, one snapshot: no duplicate, no run without its snapshot, none unrecorded.
      expect(new Set(fromJobs).size).toBe(jobs.length);
      expect(fromJobs).toEqual(await snapshotIds(sets[name]));
    }

    // A: a run for every minute from the first to the last, each once.
    const slotsA = (await scheduledJobs(scheduleA.id)).map(
      (job) => job.scheduledFor?.getTime() ?? 0,
    );
    expect(gaps(slotsA)).toEqual(gaps(slotsA).map(() => MINUTE));
    expect(
      (await world.server.deps.db.scheduleMiss.findMany({ where: { scheduleId: scheduleA.id } }))
        .length,
    ).toBe(0);

    // B: the slot while its agent was stopped is missed; the one before its restart ran on start.
    const missesB = await world.server.deps.db.scheduleMiss.findMany({
      where: { scheduleId: scheduleB.id },
    });
    const missedSlot = Math.ceil(stoppedBAt / MINUTE) * MINUTE;
    expect(missesB.map((m) => [m.slot.getTime(), m.reason])).toEqual([[missedSlot, "missed"]]);
    expect(missesB[0]?.detail).toMatch(/agent was not running/);
    const jobsB = await scheduledJobs(scheduleB.id);
    const caughtUp = jobsB.find((job) => job.scheduledFor?.getTime() === missedSlot + MINUTE);
    expect(caughtUp?.startedAt?.getTime()).toBeGreaterThanOrEqual(restartedBAt - 1000);
    // Every slot of B from first to last: one run or one miss, never both, never neither.
    const slotsB = [
      ...jobsB.map((job) => job.scheduledFor?.getTime() ?? 0),
      ...missesB.map((miss) => miss.slot.getTime()),
    ].sort((x, y) => x - y);
    expect(gaps(slotsB)).toEqual(gaps(slotsB).map(() => MINUTE));

    // The Schedules list says what happened last.
    const listed = await admin.schedules.list.query({ hostId: hosts.a });
    expect(listed.items[0]).toMatchObject({
      id: scheduleA.id,
      paused: true,
      nextRunAt: null,
      lastRun: { state: "succeeded" },
    });
  });
});
