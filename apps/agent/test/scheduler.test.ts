import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type {
  TScheduleDefinition,
  TScheduledRun,
  TScheduleMissReport,
} from "@restic-manager/contracts";
import { afterEach, describe, expect, it } from "vitest";
import type { Log } from "../src/log.js";
import type { AgentJob } from "../src/runner.js";
import { Scheduler } from "../src/schedules/scheduler.js";
import { ScheduleStateFile, ScheduleStore } from "../src/schedules/store.js";

const SECRET = "repository password that must not be on disk in the clear";

function definition(overrides: Partial<TScheduleDefinition> = {}): TScheduleDefinition {
  return {
    id: "sched_a",
    revision: 1,
    kind: "backup",
    timing: { type: "hourly", minute: 0 },
    timeZone: "UTC",
    spreadMs: 0,
    catchUpMs: 3600_000,
    overlap: "skip",
    paused: false,
    job: {
      params: { kind: "backup", paths: ["/srv"] },
      repository: { url: "rest:http://127.0.0.1:1/r", password: SECRET, env: {} },
    },
    ...overrides,
  };
}

const quietLog: Log = { info() {}, warn() {}, error() {}, failure: null };

/**
 * The agent's scheduler with a controllable clock and a fake runner (a set of active schedule
 * ids the test controls); the store and state files are real, in a temporary directory.
 */
function harness(stateDir = mkdtempSync(path.join(tmpdir(), "rm-sched-"))) {
  const clock = { now: new Date("2026-03-10T09:30:00Z") };
  const runs: TScheduledRun[] = [];
  const misses: TScheduleMissReport[] = [];
  const submitted: AgentJob[] = [];
  const active = new Set<string>();
  const scheduler = new Scheduler({
    store: new ScheduleStore(stateDir),
    state: new ScheduleStateFile(stateDir),
    reporter: {
      runStarted: (run) => runs.push(run),
      missed: (list) => misses.push(...list),
    },
    submit: (job) => {
      submitted.push(job);
      if (job.scheduleId) active.add(job.scheduleId);
    },
    isActive: (id) => active.has(id),
    log: quietLog,
    now: () => clock.now,
  });
  const at = (iso: string) => {
    clock.now = new Date(iso);
    // What the timer does when it wakes: evaluate at the new time.
    scheduler.jobEnded();
    (scheduler as unknown as { tick(): void }).tick();
  };
  return { scheduler, clock, runs, misses, submitted, active, stateDir, at };
}

const started: Scheduler[] = [];
afterEach(() => {
  for (const scheduler of started.splice(0)) scheduler.stop();
});

function start(h: ReturnType<typeof harness>, schedules: TScheduleDefinition[]) {
  started.push(h.scheduler);
  h.scheduler.start();
  h.scheduler.replace(schedules);
}

describe("the agent's scheduler (fake clock and runner)", () => {
  it("fires each slot once, with an id of its own, the slot and the job's repository", () => {
    const h = harness();
    start(h, [definition()]);
    expect(h.runs).toEqual([]); // nothing before the first slot after it was received
    h.at("2026-03-10T10:00:01Z");
    h.at("2026-03-10T10:00:30Z"); // the same slot again: not a second run
    expect(h.runs.map((r) => r.slot.toISOString())).toEqual(["2026-03-10T10:00:00.000Z"]);
    const [run] = h.runs;
    expect(run?.jobId).toMatch(/^run_[A-Za-z0-9_-]{16}$/);
    expect(h.submitted[0]).toMatchObject({
      id: run?.jobId,
      scheduleId: "sched_a",
      repository: { password: SECRET },
    });
    h.active.clear();
    h.at("2026-03-10T11:00:02Z");
    expect(h.runs).toHaveLength(2);
    expect(h.runs[1]?.jobId).not.toBe(run?.jobId);
  });

  it("keeps firing from memory when its state directory takes no writes, and says why", () => {
    // A directory that is not there: every write fails, as on a read-only or full disk.
    const h = harness(path.join(mkdtempSync(path.join(tmpdir(), "rm-sched-")), "gone"));
    start(h, [definition()]);
    expect(h.scheduler.problem).toMatch(
      /^could not save the schedules in the state directory \(ENOENT.*\); they run from memory/,
    );
    h.at("2026-03-10T10:00:01Z");
    h.at("2026-03-10T10:00:30Z");
    expect(h.runs.map((r) => r.slot.toISOString())).toEqual(["2026-03-10T10:00:00.000Z"]);
  });

  it("skips a slot while the previous run still goes, and says so", () => {
    const h = harness();
    start(h, [definition()]);
    h.at("2026-03-10T10:00:01Z");
    h.at("2026-03-10T11:00:01Z"); // the 10:00 run is still active
    expect(h.runs).toHaveLength(1);
    expect(h.misses).toEqual([
      expect.objectContaining({
        slot: new Date("2026-03-10T11:00:00Z"),
        reason: "skipped",
        detail: expect.stringContaining("previous run"),
      }),
    ]);
  });

  it("with overlap 'wait', holds one slot until the previous run ends, then runs it", () => {
    const h = harness();
    start(h, [definition({ overlap: "wait" })]);
    h.at("2026-03-10T10:00:01Z");
    h.at("2026-03-10T11:00:01Z");
    h.at("2026-03-10T12:00:01Z"); // a later slot replaces the waiting one, which is skipped
    expect(h.runs).toHaveLength(1);
    expect(h.misses.map((m) => [m.slot.toISOString(), m.reason])).toEqual([
      ["2026-03-10T11:00:00.000Z", "skipped"],
    ]);
    h.active.clear();
    h.at("2026-03-10T12:20:00Z");
    expect(h.runs.map((r) => r.slot.toISOString())).toEqual([
      "2026-03-10T10:00:00.000Z",
      "2026-03-10T12:00:00.000Z",
    ]);
  });

  it("after being away, runs the latest slot once and reports the others missed", () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "rm-sched-"));
    const first = harness(stateDir);
    start(first, [definition()]);
    first.at("2026-03-10T10:00:01Z");
    first.scheduler.stop();

    // The agent was stopped for three and a half hours; it starts again from its files.
    const second = harness(stateDir);
    second.clock.now = new Date("2026-03-10T13:20:00Z");
    started.push(second.scheduler);
    second.scheduler.start();
    expect(second.runs.map((r) => r.slot.toISOString())).toEqual(["2026-03-10T13:00:00.000Z"]);
    expect(second.misses.map((m) => [m.slot.toISOString(), m.reason])).toEqual([
      ["2026-03-10T11:00:00.000Z", "missed"],
      ["2026-03-10T12:00:00.000Z", "missed"],
    ]);
    // Started again at once: nothing more is owed.
    second.at("2026-03-10T13:20:05Z");
    expect(second.runs).toHaveLength(1);
  });

  it("outside the catch-up window, a missed slot is reported and not run", () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "rm-sched-"));
    const first = harness(stateDir);
    start(first, [definition({ catchUpMs: 10 * 60_000 })]);
    first.scheduler.stop();
    const second = harness(stateDir);
    second.clock.now = new Date("2026-03-10T10:30:00Z");
    started.push(second.scheduler);
    second.scheduler.start();
    expect(second.runs).toEqual([]);
    expect(second.misses.map((m) => m.slot.toISOString())).toEqual(["2026-03-10T10:00:00.000Z"]);
  });

  it("a paused schedule does not fire, and on resume owes nothing for the pause", () => {
    const h = harness();
    start(h, [definition({ paused: true })]);
    h.at("2026-03-10T10:00:01Z");
    h.at("2026-03-10T11:00:01Z");
    expect(h.runs).toEqual([]);
    h.at("2026-03-10T11:10:00Z");
    h.scheduler.replace([definition({ paused: false, revision: 2 })]);
    expect(h.runs).toEqual([]);
    expect(h.misses).toEqual([]);
    h.at("2026-03-10T12:00:01Z");
    expect(h.runs.map((r) => r.slot.toISOString())).toEqual(["2026-03-10T12:00:00.000Z"]);
  });

  it("a check reads part n of N, n rotating across runs and restarts", () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "rm-sched-"));
    const check = definition({
      id: "sched_check",
      kind: "check",
      readDataParts: 3,
      job: { ...definition().job, params: { kind: "check" } },
    });
    const first = harness(stateDir);
    start(first, [check]);
    for (const hour of ["10", "11"]) {
      first.active.clear();
      first.at(`2026-03-10T${hour}:00:01Z`);
    }
    first.scheduler.stop();
    const second = harness(stateDir);
    second.clock.now = new Date("2026-03-10T11:30:00Z");
    started.push(second.scheduler);
    second.scheduler.start();
    for (const hour of ["12", "13"]) {
      second.active.clear();
      second.at(`2026-03-10T${hour}:00:01Z`);
    }
    const subsets = [...first.runs, ...second.runs].map((run) =>
      run.params.kind === "check" ? run.params.readDataSubset : undefined,
    );
    expect(subsets).toEqual(["1/3", "2/3", "3/3", "1/3"]);
  });

  it("a check the server runs now moves the rotation on, so its part is not read again next", () => {
    const check = definition({
      id: "sched_check",
      kind: "check",
      readDataParts: 3,
      job: { ...definition().job, params: { kind: "check" } },
    });
    const h = harness();
    start(h, [check]);
    h.at("2026-03-10T10:00:01Z"); // reads 1/3
    h.active.clear();
    h.scheduler.noteServerRun({
      id: "cjobfromserver",
      params: { kind: "check", readDataSubset: "2/3" },
      repository: check.job.repository,
      scheduleId: "sched_check",
    });
    h.at("2026-03-10T11:00:01Z");
    expect(
      h.runs.map((run) => (run.params.kind === "check" ? run.params.readDataSubset : undefined)),
    ).toEqual(["1/3", "3/3"]);
  });
});

describe("the schedule store", () => {
  it("keeps the credentials encrypted, in files only the agent can read", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-store-"));
    const store = new ScheduleStore(dir);
    store.save([definition()]);
    for (const file of [store.file, store.lastGoodFile, path.join(dir, "schedules.key")]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(store.file, "utf8")).not.toContain(SECRET);
    expect(new ScheduleStore(dir).load()).toEqual({ schedules: [definition()], problem: null });
  });

  it("a damaged file is detected at start: the last good copy is used, and it says so", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-store-"));
    const store = new ScheduleStore(dir);
    store.save([definition()]);
    // Half a file, as a crash or a full disk would leave.
    const text = readFileSync(store.file, "utf8");
    writeFileSync(store.file, text.slice(0, text.length / 2));
    const loaded = new ScheduleStore(dir).load();
    expect(loaded.schedules).toEqual([definition()]);
    expect(loaded.problem).toMatch(/damaged.*last good copy/);
  });

  it("with both copies damaged, it runs nothing and says so (the server sends them again)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-store-"));
    const store = new ScheduleStore(dir);
    store.save([definition()]);
    writeFileSync(store.file, "{}");
    writeFileSync(store.lastGoodFile, "not json");
    const loaded = new ScheduleStore(dir).load();
    expect(loaded.schedules).toEqual([]);
    expect(loaded.problem).toMatch(/last good copy are damaged/);
  });

  it("a file sealed under another key is refused, not trusted", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-store-"));
    new ScheduleStore(dir).save([definition()]);
    const other = mkdtempSync(path.join(tmpdir(), "rm-store-"));
    const foreign = new ScheduleStore(other);
    foreign.save([definition({ id: "forged" })]);
    writeFileSync(path.join(dir, "schedules.enc"), readFileSync(foreign.file));
    const loaded = new ScheduleStore(dir).load();
    expect(loaded.schedules.map((s) => s.id)).toEqual(["sched_a"]);
    expect(loaded.problem).toMatch(/damaged/);
  });
});
