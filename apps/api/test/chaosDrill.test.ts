import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  TERMINAL_JOB_STATES,
  type TJobCreateInput,
  type TJobResult,
} from "@restic-manager/contracts";
import { waitFor } from "@restic-manager/test-support";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type FaultWorld, startFaultWorld, waitForAgentsOnline } from "./support/faultWorld.js";
import { listSnapshots } from "./support/schedules.js";
import { type ServerProcess, startServerProcess } from "./support/serverProcess.js";
import type { Client } from "./support/world.js";

const PASSWORD = "repository password for the chaos drill";
/** Jobs in all: created through the API until they and the schedules' runs make 200. */
const JOBS = 200;
/**
 * At least this many of the 200 are runs of the schedules; how many slots the agents skip
 * (the schedule's last run still waiting behind other jobs) varies with the machine's load.
 */
const MIN_SCHEDULED_RUNS = 10;
const RESTARTS = 10;
const CREATE_EVERY_MS = 400;
/** How long the server stays up once its agents are back, drawn from this range. */
const UP_MS = [1_000, 7_000] as const;
/**
 * How long the jobs may take to end once the restarts stop. The maintenance host runs its
 * exclusive jobs (checks, forgets, health) one after another, and on a loaded two-core machine
 * their backlog took over three minutes to clear (seen on PostgreSQL with another test run
 * beside it); still ending, so the bound is wide.
 */
const SETTLE_MS = 300_000;
/**
 * Longer than the server takes to start and its agents to reconnect on a loaded two-core
 * machine (measured up to 25 s and 20 s); the server drills show what happens past it.
 */
const LOST_AFTER = "60s";
/** A run of the drill can be replayed with its seed: RM_CHAOS_SEED=<seed>. */
const SEED = Number(process.env.RM_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A small seeded generator (mulberry32): the same seed draws the same drill. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job the drill asks for, and the marker in its parameters that tells it from the others. */
interface Planned {
  marker: string;
  input: TJobCreateInput & { params: { kind: "backup" | "check" | "forget" } };
}

/** The marker a job's stored parameters carry: a backup's or forget's tag, a check's subset. */
function markerOf(params: Record<string, unknown>): string | undefined {
  if (typeof params.readDataSubset === "string") return `check ${params.readDataSubset}`;
  const tags = Array.isArray(params.tags) ? (params.tags as string[]) : [];
  return tags.find((tag) => tag.startsWith("chaos-"));
}

/**
 * Fault drill: 200 jobs (backups, checks, forgets on the maintenance host, and the runs of two
 * schedules firing every few seconds on the agents) across three real agents, against the real
 * server process restarted ten times at random moments, SIGTERM and SIGKILL mixed, with real
 * restic and an append-only rest-server pair.
 *
 * The guarantee checked: every job the API accepted ends, and ends succeeded (0 lost, 0
 * stuck), and each succeeded backup is exactly one snapshot in restic's own list, with no
 * snapshot beyond them (0 run twice). What the design allows to fail is a job whose host stays
 * away longer than RM_JOB_LOST_AFTER after the server is back: it is marked lost, takes its
 * real result if the agent ran it, and stays lost if the agent never got it (faultDrillsServer
 * shows both). So each restart comes at a random moment once the agents are connected again,
 * and RM_JOB_LOST_AFTER (60 s) is longer than the server takes to start and the agents'
 * back-off (1, 2, 4 s and so on, with jitter) to bring them back, even on a busy machine.
 *
 * The drill's client creates jobs one at a time; a call the restarts break is retried once the
 * server answers again, unless the job it asked for is already there (found by its marker),
 * so a job is created once or not at all. The seed is printed; RM_CHAOS_SEED replays it.
 */
describe("chaos drill: 200 jobs while the server restarts ten times", () => {
  let server: ServerProcess;
  let world: FaultWorld;
  let admin: Client;
  const trees: string[] = [];
  const scheduleIds: string[] = [];
  const setIds: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess({ RM_JOB_LOST_AFTER: LOST_AFTER });
    admin = await server.signIn("admin");
    world = await startFaultWorld(
      { url: server.url, admin, close: () => server.close() },
      {
        password: PASSWORD,
        agents: 3,
        // The third agent maintains the repository: forgets run there, with full rights.
        maintenanceHost: 2,
        appendOnly: true,
        repositoryName: "chaos",
      },
    );
    for (const [index, hostId] of world.hostIds.entries()) {
      const tree = mkdtempSync(path.join(tmpdir(), `rm-chaos-${index}-`));
      for (const name of ["a.txt", "b.txt", "c.txt"]) {
        writeFileSync(path.join(tree, name), `${name} on agent ${index}\n`);
      }
      trees.push(tree);
      if (index < 2) {
        const set = await admin.backupSets.create.mutate({
          name: `chaos-${index}`,
          hostId,
          repositoryId: world.repositoryId,
          options: { paths: [tree] },
        });
        setIds.push(set.id);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await (world ? world.close() : server?.close());
  });

  /**
   * The jobs the API is asked for, in order: mostly backups, one in twenty a check and one a
   * forget (each waits for a quiet repository and holds it alone: restic's exclusive lock).
   */
  function plan(random: () => number): Planned[] {
    const maintainer = world.hostIds[2] ?? "";
    return Array.from({ length: JOBS }, (_, n): Planned => {
      const index = Math.floor(random() * world.hostIds.length);
      const hostId = world.hostIds[index] ?? "";
      const repositoryId = world.repositoryId;
      if (n % 20 === 3) {
        const subset = `${n + 1}/${JOBS}`;
        return {
          marker: `check ${subset}`,
          input: { hostId, repositoryId, params: { kind: "check", readDataSubset: subset } },
        };
      }
      if (n % 20 === 13) {
        // Real forgets taking restic's exclusive lock, keeping every snapshot the drill counts.
        const marker = `chaos-forget-${n}`;
        return {
          marker,
          input: {
            hostId: maintainer,
            repositoryId,
            params: { kind: "forget", tags: ["chaos", marker], policy: { keepLast: "unlimited" } },
          },
        };
      }
      const marker = `chaos-backup-${n}`;
      return {
        marker,
        input: {
          hostId,
          repositoryId,
          params: { kind: "backup", paths: [trees[index] ?? ""], tags: ["chaos", marker] },
        },
      };
    });
  }

  /** Until the server answers /healthz again (it is being restarted). */
  function serverAnswers() {
    return waitFor(
      async () => {
        try {
          return (await fetch(`${server.url}/healthz`)).ok || undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "the server to answer again" },
    );
  }

  /** An answer from the server that retrying will not change. */
  function isRefusal(error: unknown): boolean {
    return (
      error instanceof TRPCClientError &&
      ["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT"].includes(
        String(error.data?.code),
      )
    );
  }

  /** A job of the planned kind on its host, created since `since`, carrying its marker. */
  async function findCreated(planned: Planned, since: Date, known: Set<string>) {
    const { items } = await admin.jobs.list.query({
      hostId: planned.input.hostId,
      kind: planned.input.params.kind,
      from: since,
      limit: 200,
    });
    for (const item of items) {
      if (item.scheduleId || known.has(item.id)) continue;
      const job = await admin.jobs.get.query({ id: item.id });
      if (markerOf(job.params) === planned.marker) return job.id;
    }
    return undefined;
  }

  const calls = { retried: 0, foundAfterFailure: 0 };

  /** Creates a planned job once: a call the restarts break is retried unless it got through. */
  async function createOnce(planned: Planned, known: Set<string>): Promise<string> {
    const since = new Date(Date.now() - 1000);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await admin.jobs.create.mutate(planned.input)).id;
      } catch (error) {
        if (isRefusal(error) || attempt >= 20) throw error;
        calls.retried += 1;
        await serverAnswers();
        const found = await findCreated(planned, since, known);
        if (found) {
          calls.foundAfterFailure += 1;
          return found;
        }
      }
    }
  }

  /** Every job in the database, as the list shows them. */
  async function allJobs() {
    const jobs: Awaited<ReturnType<typeof admin.jobs.list.query>>["items"] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.jobs.list.query({ limit: 200, ...(cursor ? { cursor } : {}) });
      jobs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return jobs;
  }

  it("loses no job, runs none twice and leaves none stuck", { timeout: 900_000 }, async () => {
    onTestFailed(() => {
      // Everything the processes said, kept for the post-mortem.
      const dir = mkdtempSync(path.join(tmpdir(), "rm-chaos-logs-"));
      writeFileSync(path.join(dir, "server.log"), server.output());
      for (const [index, agent] of world.agents.entries()) {
        writeFileSync(path.join(dir, `agent-${index}.log`), agent.output());
      }
      console.log(`chaos drill seed ${SEED} failed; the processes' output is in ${dir}`);
    });
    const startedAt = Date.now();
    console.log(`chaos drill seed ${SEED} (RM_CHAOS_SEED=${SEED} replays it)`);
    const random = seeded(SEED);
    const planned = plan(random);
    const restarts = ["SIGTERM", "SIGKILL"].flatMap((signal) =>
      Array.from({ length: RESTARTS / 2 }, () => signal as NodeJS.Signals),
    );
    restarts.sort(() => random() - 0.5);
    const upTimes = restarts.map(() => UP_MS[0] + random() * (UP_MS[1] - UP_MS[0]));

    for (const backupSetId of setIds) {
      const schedule = await admin.schedules.create.mutate({
        kind: "backup",
        backupSetId,
        timing: { type: "cron", expression: "*/4 * * * * *" },
        timeZone: "UTC",
      });
      scheduleIds.push(schedule.id);
    }

    const scheduledRuns = async () =>
      (await allJobs()).filter((job) => job.scheduleId !== null).length;
    const created = new Map<string, Planned>();
    const creating = (async () => {
      let scheduledSoFar = 0;
      for (const [n, job] of planned.entries()) {
        if (n % 10 === 0) scheduledSoFar = await scheduledRuns().catch(() => scheduledSoFar);
        if (created.size + scheduledSoFar >= JOBS) break;
        created.set(await createOnce(job, new Set(created.keys())), job);
        await sleep(CREATE_EVERY_MS);
      }
    })();
    const bySignal: Record<string, number> = {};
    const chaos = (async () => {
      for (const [i, signal] of restarts.entries()) {
        await sleep(upTimes[i] ?? 0);
        const killedAt = Date.now();
        await server.kill(signal);
        bySignal[signal] = (bySignal[signal] ?? 0) + 1;
        await server.start();
        const upAt = Date.now();
        await waitForAgentsOnline(admin, world.hostIds, 60_000);
        const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        console.log(
          `restart ${i + 1} (${signal}): the server away ${s(upAt - killedAt)}, its agents back ${s(Date.now() - upAt)} later`,
        );
      }
    })();
    await Promise.all([creating, chaos]);
    const chaosEndedAt = Date.now();

    // Enough scheduled runs recorded, then the schedules are paused (the runs count to 200).
    await waitFor(
      async () => {
        const runs = await scheduledRuns();
        return (runs >= MIN_SCHEDULED_RUNS && created.size + runs >= JOBS) || undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000, what: "the scheduled runs to make up 200 jobs" },
    );
    for (const id of scheduleIds) await admin.schedules.setPaused.mutate({ id, paused: true });

    // 0 stuck: every job ends and every agent is back, within a generous bound.
    await waitFor(
      async () => {
        const jobs = await allJobs();
        return jobs.every((job) => TERMINAL_JOB_STATES.includes(job.state)) || undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: 1000, what: "every job to end" },
    ).catch(async (error: Error) => {
      const open = (await allJobs()).filter((job) => !TERMINAL_JOB_STATES.includes(job.state));
      throw new Error(
        `${error.message}; not ended: ${JSON.stringify(open.map((j) => [j.id, j.kind, j.state, j.hostName]))}`,
      );
    });
    await waitForAgentsOnline(admin, world.hostIds, 90_000);
    const settledAt = Date.now();

    // A run the agents made just before the pause may still be on its way: every snapshot
    // restic has is reported once the agents have caught up.
    const succeededBackups = async () =>
      (await allJobs()).filter((job) => job.kind === "backup" && job.state === "succeeded");
    const target = { repository: world.resticRepository(), password: PASSWORD };
    await waitFor(
      async () =>
        (await succeededBackups()).length >= (await listSnapshots(target)).length || undefined,
      { timeoutMs: 30_000, intervalMs: 1000, what: "the agents' last runs to be reported" },
    ).catch(() => undefined); // the comparison below says what differs

    const jobs = await allJobs();
    const details = new Map(
      await Promise.all(
        jobs
          .filter((job) => job.kind !== "health")
          .map(async (job) => [job.id, await admin.jobs.get.query({ id: job.id })] as const),
      ),
    );
    const counts: Record<string, number> = {};
    for (const job of jobs) {
      const key = `${job.scheduleId ? "scheduled " : ""}${job.kind} ${job.state}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    const scheduled = jobs.filter((job) => job.scheduleId !== null);
    console.log(
      `chaos drill seed ${SEED}: ${created.size} jobs created through the API and ${scheduled.length} scheduled runs; ` +
        `by kind and state ${JSON.stringify(counts)}; restarts ${JSON.stringify(bySignal)}; ` +
        `calls retried ${calls.retried}, found created after a failed call ${calls.foundAfterFailure}; ` +
        `chaos ${((chaosEndedAt - startedAt) / 1000).toFixed(0)} s, all ended ${((settledAt - startedAt) / 1000).toFixed(0)} s`,
    );

    expect(bySignal).toEqual({ SIGTERM: RESTARTS / 2, SIGKILL: RESTARTS / 2 });
    expect(created.size + scheduled.length).toBeGreaterThanOrEqual(JOBS);
    expect(scheduled.length).toBeGreaterThanOrEqual(MIN_SCHEDULED_RUNS);

    // 0 lost: every job the API accepted is there once, with its own marker.
    const apiMade = jobs.filter(
      (job) => job.scheduleId === null && ["backup", "check", "forget"].includes(job.kind),
    );
    const markers = apiMade.map((job) => markerOf(details.get(job.id)?.params ?? {}));
    const asked = planned.slice(0, created.size);
    expect(markers.sort()).toEqual(asked.map((job) => job.marker).sort());
    expect(apiMade.map((job) => job.id).sort()).toEqual([...created.keys()].sort());
    for (const [id, job] of created) {
      expect(markerOf(details.get(id)?.params ?? {})).toBe(job.marker);
    }
    // Each ended succeeded, and so did every run and health refresh: none lost or failed.
    const unsuccessful = jobs
      .filter((job) => job.state !== "succeeded")
      .map((job) => [job.id, job.kind, job.state, job.error]);
    expect(unsuccessful).toEqual([]);

    // 0 run twice: each succeeded backup is one snapshot in restic's own list, and there is
    // no snapshot without one; each slot of a schedule ran at most once.
    const snapshots = await listSnapshots(target);
    const backups = jobs.filter((job) => job.kind === "backup" && job.state === "succeeded");
    const snapshotOf = (id: string) =>
      (details.get(id)?.result as Extract<TJobResult, { kind: "backup" }> | null)?.snapshotId;
    expect(backups.map((job) => snapshotOf(job.id)).sort()).toEqual(
      snapshots.map((snapshot) => snapshot.id).sort(),
    );
    for (const job of backups.filter((b) => b.scheduleId === null)) {
      const marker = markerOf(details.get(job.id)?.params ?? {}) ?? "";
      const carrying = snapshots.filter((snapshot) => snapshot.tags?.includes(marker));
      expect(carrying.map((snapshot) => snapshot.id)).toEqual([snapshotOf(job.id)]);
    }
    const slots = scheduled.map((job) => `${job.scheduleId} ${job.scheduledFor?.toISOString()}`);
    expect(slots.length).toBe(new Set(slots).size);

    // 0 stuck: nothing waits or runs, and every agent is connected.
    expect(jobs.filter((job) => !TERMINAL_JOB_STATES.includes(job.state))).toEqual([]);
    const hosts = (await admin.hosts.list.query({ limit: 200 })).items;
    expect(hosts.filter((host) => !host.online).map((host) => host.name)).toEqual([]);
  });
});
