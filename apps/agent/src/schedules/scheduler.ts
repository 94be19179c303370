import { randomBytes } from "node:crypto";
import type {
  TJobParams,
  TScheduleDefinition,
  TScheduledRun,
  TScheduleMissReport,
} from "@restic-manager/contracts";
import { dueRun, nextRuns } from "@restic-manager/schedule";
import type { Log } from "../log.js";
import type { AgentJob } from "../runner.js";
import type { ScheduleState, ScheduleStateFile, ScheduleStore } from "./store.js";

/** Where the scheduler sends what it did; the link delivers it (now, or after a reconnect). */
export interface ScheduleReporter {
  /** Called before the job is submitted: the report carries the run's start. */
  runStarted(run: TScheduledRun): void;
  missed(misses: TScheduleMissReport[]): void;
}

export interface SchedulerOptions {
  store: ScheduleStore;
  state: ScheduleStateFile;
  reporter: ScheduleReporter;
  /** Submits a job to the runner. */
  submit(job: AgentJob): void;
  /** Whether a run of the schedule is queued or running (its own, or a "run now"). */
  isActive(scheduleId: string): boolean;
  log: Log;
  now?: () => Date;
}

/** The longest the scheduler sleeps: it wakes at least this often to notice a clock jump. */
const MAX_SLEEP_MS = 30_000;

function timingKey(schedule: TScheduleDefinition): string {
  return JSON.stringify([schedule.timing, schedule.timeZone, schedule.spreadMs]);
}

/** An id for a run this agent starts: the server records the run under it, once. */
export function newRunId(): string {
  return `run_${randomBytes(12).toString("base64url")}`;
}

/**
 * The host's scheduler: fires its schedules from the agent's own clock, so a server that is
 * down or restarting never makes a backup late. Of the slots that passed while the agent was
 * not running, the latest runs once (within the catch-up window) and the others are reported
 * missed; a slot that comes while the previous run still goes is skipped or waits.
 */
export class Scheduler {
  private schedules: TScheduleDefinition[] = [];
  private state: ScheduleState;
  /** A slot held for a schedule whose previous run still goes (overlap "wait"). */
  private readonly waiting = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  problem: string | null = null;
  private readonly now: () => Date;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? (() => new Date());
    this.state = options.state.load();
  }

  /** Loads the schedules kept on disk and starts firing them. */
  start(): void {
    const loaded = this.options.store.load();
    this.problem = loaded.problem;
    if (loaded.problem) this.options.log.warn("schedules.damaged", { problem: loaded.problem });
    this.adopt(loaded.schedules);
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The server's schedules for this host, replacing what the agent had. */
  replace(schedules: TScheduleDefinition[]): void {
    this.problem = null;
    this.persist(() => this.options.store.save(schedules, this.now()));
    this.adopt(schedules);
    this.options.log.info("schedules.updated", { count: schedules.length });
    this.tick();
  }

  /**
   * A run of a schedule the server sent ("run now"): a check's rotation continues after the
   * part it reads, so the next scheduled run does not read that part again.
   */
  noteServerRun(job: AgentJob): void {
    if (!job.scheduleId || job.params.kind !== "check") return;
    const state = this.state[job.scheduleId];
    const match = job.params.readDataSubset?.match(/^(\d+)\/(\d+)$/);
    if (!state || !match) return;
    state.nextCheckPart = (Number(match[1]) % Number(match[2])) + 1;
    this.persist(() => this.options.state.save(this.state));
  }

  /** A job ended: a run that waited for it may go now. */
  jobEnded(): void {
    if (this.waiting.size > 0) this.tick();
  }

  summary(): Array<{ id: string; kind: string; paused: boolean; nextRunAt: Date | null }> {
    const now = this.now();
    return this.schedules.map((s) => ({
      id: s.id,
      kind: s.kind,
      paused: s.paused,
      nextRunAt: s.paused ? null : (nextRuns(s, now, 1)[0] ?? null),
    }));
  }

  /**
   * The schedules whose times can be computed. One the server sent with a time zone or cron
   * expression this host does not know is left out and said, never let through: the agent
   * would die on it at every start.
   */
  private usable(schedules: TScheduleDefinition[]): TScheduleDefinition[] {
    return schedules.filter((schedule) => {
      try {
        nextRuns(schedule, this.now(), 1);
        return true;
      } catch (error) {
        const reason = (error as Error).message;
        this.problem = `schedule ${schedule.id} cannot run on this host: ${reason}`;
        this.options.log.error("schedule.rejected", { scheduleId: schedule.id, reason });
        return false;
      }
    });
  }

  private adopt(all: TScheduleDefinition[]): void {
    const schedules = this.usable(all);
    const now = this.now();
    const state: ScheduleState = {};
    for (const schedule of schedules) {
      const known = this.state[schedule.id];
      const key = timingKey(schedule);
      // A new schedule, or a new timing, starts from now: nothing before it is owed.
      state[schedule.id] =
        known && known.timingKey === key
          ? known
          : { lastSlot: now, timingKey: key, nextCheckPart: known?.nextCheckPart ?? 1 };
    }
    for (const id of this.waiting.keys()) if (!state[id]) this.waiting.delete(id);
    this.schedules = schedules;
    this.state = state;
    this.persist(() => this.options.state.save(state));
  }

  /**
   * A state directory that is read-only or full must not stop the schedules: they keep firing
   * from memory, and the status says why they may not survive a restart.
   */
  private persist(write: () => void): void {
    try {
      write();
    } catch (error) {
      const problem = `could not save the schedules in the state directory (${(error as Error).message}); they run from memory until the agent restarts`;
      if (this.problem !== problem) this.options.log.error("schedules.not_saved", { problem });
      this.problem = problem;
    }
  }

  private tick(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    try {
      this.evaluate();
    } catch (error) {
      this.options.log.error("schedules.failed", { message: (error as Error).message });
    }
    const now = this.now().getTime();
    let sleep = MAX_SLEEP_MS;
    for (const schedule of this.schedules) {
      if (schedule.paused) continue;
      const [next] = nextRuns(schedule, this.now(), 1);
      if (next) sleep = Math.min(sleep, Math.max(0, next.getTime() - now));
    }
    // A little after the slot, so the slot is in the past when it is looked at.
    this.timer = setTimeout(() => this.tick(), sleep + 50);
    this.timer.unref?.();
  }

  private evaluate(): void {
    const now = this.now();
    let changed = false;
    const misses: TScheduleMissReport[] = [];
    for (const schedule of this.schedules) {
      const state = this.state[schedule.id];
      if (!state) continue;
      if (schedule.paused) {
        // Slots while paused are not owed once it resumes.
        state.lastSlot = now;
        this.waiting.delete(schedule.id);
        changed = true;
        continue;
      }
      const decision = dueRun(schedule, state.lastSlot, now, schedule.catchUpMs);
      for (const slot of decision.missed) {
        misses.push({
          scheduleId: schedule.id,
          slot,
          reason: "missed",
          detail:
            "the agent was not running at this time (host off or asleep, or the agent stopped), and a later slot came before it could catch up",
        });
      }
      const latest = decision.run ?? decision.missed.at(-1);
      if (latest) {
        state.lastSlot = latest;
        changed = true;
      }
      if (decision.run) this.offer(schedule, decision.run, misses);
      const held = this.waiting.get(schedule.id);
      if (held && !this.options.isActive(schedule.id)) {
        this.waiting.delete(schedule.id);
        this.fire(schedule, held);
        changed = true;
      }
    }
    if (misses.length > 0) this.options.reporter.missed(misses);
    if (changed) this.persist(() => this.options.state.save(this.state));
  }

  /** A slot is due: run it, or skip it or hold it while the previous run still goes. */
  private offer(schedule: TScheduleDefinition, slot: Date, misses: TScheduleMissReport[]): void {
    if (!this.options.isActive(schedule.id)) {
      this.fire(schedule, slot);
      return;
    }
    if (schedule.overlap === "wait") {
      const replaced = this.waiting.get(schedule.id);
      if (replaced) {
        misses.push({
          scheduleId: schedule.id,
          slot: replaced,
          reason: "skipped",
          detail: "a later slot came while this one waited for the previous run: only one waits",
        });
      }
      this.waiting.set(schedule.id, slot);
      this.options.log.info("schedule.waiting", { scheduleId: schedule.id, slot });
      return;
    }
    misses.push({
      scheduleId: schedule.id,
      slot,
      reason: "skipped",
      detail: "skipped: the previous run of this schedule was still going",
    });
    this.options.log.info("schedule.skipped", { scheduleId: schedule.id, slot });
  }

  private fire(schedule: TScheduleDefinition, slot: Date): void {
    const state = this.state[schedule.id];
    let params: TJobParams = schedule.job.params;
    if (params.kind === "check" && schedule.readDataParts && state) {
      const part = state.nextCheckPart > schedule.readDataParts ? 1 : state.nextCheckPart;
      params = { ...params, readDataSubset: `${part}/${schedule.readDataParts}` };
      state.nextCheckPart = (part % schedule.readDataParts) + 1;
    }
    const run: TScheduledRun = {
      jobId: newRunId(),
      scheduleId: schedule.id,
      revision: schedule.revision,
      slot,
      params,
      startedAt: this.now(),
    };
    this.options.log.info("schedule.fired", {
      scheduleId: schedule.id,
      jobId: run.jobId,
      kind: params.kind,
      slot,
    });
    this.options.reporter.runStarted(run);
    this.options.submit({
      id: run.jobId,
      params,
      repository: schedule.job.repository,
      scheduleId: schedule.id,
      ...(schedule.job.lockWaitSeconds !== undefined
        ? { lockWaitSeconds: schedule.job.lockWaitSeconds }
        : {}),
    });
  }
}
