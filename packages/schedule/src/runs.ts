import { createHash } from "node:crypto";
import type { TScheduleTiming } from "@restic-manager/contracts";
import type { Cron } from "croner";
import { cronFor, ScheduleError } from "./timing.js";

/** A schedule as a host's clock sees it. */
export interface HostSchedule {
  timing: TScheduleTiming;
  timeZone: string;
  /** This host's delay after each slot (see spreadOffsetMs). */
  spreadMs: number;
}

/**
 * A stable delay inside a window of `windowMinutes`, derived from the host's id, so that a
 * fleet scheduled for 02:00 starts over the window rather than all at 02:00:00, and a host
 * starts at the same moment every day. Whole seconds.
 */
export function spreadOffsetMs(hostId: string, windowMinutes: number): number {
  if (windowMinutes <= 0) return 0;
  const digest = createHash("sha256").update(hostId).digest();
  const fraction = digest.readUInt32BE(0) / 2 ** 32;
  return Math.floor(fraction * windowMinutes * 60) * 1000;
}

/** The next `count` run times after `from` (a slot plus the host's spread). */
export function nextRuns(schedule: HostSchedule, from: Date, count: number): Date[] {
  return runsAfter(cronFor(schedule.timing, schedule.timeZone), schedule.spreadMs, from, count);
}

function runsAfter(cron: Cron, spreadMs: number, from: Date, count: number): Date[] {
  const runs: Date[] = [];
  // Slots are found before the spread is added, so a run just due is not skipped.
  let cursor = new Date(from.getTime() - spreadMs);
  while (runs.length < count) {
    const slot = cron.nextRun(cursor);
    if (!slot) break;
    runs.push(new Date(slot.getTime() + spreadMs));
    cursor = slot;
  }
  return runs;
}

/**
 * The shortest gap between two slots over the next `sample` of them: a spread window must be
 * shorter, or one host's runs would overtake each other.
 */
export function shortestIntervalMs(
  timing: TScheduleTiming,
  timeZone: string,
  from: Date,
  sample = 50,
): number {
  const slots = nextRuns({ timing, timeZone, spreadMs: 0 }, from, sample);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < slots.length; i++) {
    shortest = Math.min(shortest, (slots[i]?.getTime() ?? 0) - (slots[i - 1]?.getTime() ?? 0));
  }
  return shortest;
}

/** Refuses a spread window that is not shorter than the schedule's interval. */
export function checkSpread(
  timing: TScheduleTiming,
  timeZone: string,
  windowMinutes: number,
  from: Date,
): void {
  if (windowMinutes < 0) throw new ScheduleError("The spread window cannot be negative");
  const interval = shortestIntervalMs(timing, timeZone, from);
  if (windowMinutes * 60_000 >= interval) {
    throw new ScheduleError(
      `The spread window (${windowMinutes} min) must be shorter than the time between runs (${Math.round(interval / 60_000)} min)`,
    );
  }
}

export interface DueDecision {
  /** The slot to run now, or null when nothing is due. */
  run: Date | null;
  /** Slots that passed without a run and will not be run: older than the catch-up window. */
  missed: Date[];
}

const MAX_MISSED_REPORTED = 100;

/**
 * What a host's scheduler does at `now`, given when it last started a run of this schedule.
 * Of the slots that came due since then, only the latest can run, and only once: a laptop that
 * slept through five nights backs up once on waking, not five times. It runs when it is within
 * `catchUpMs` of now; the slots before it, and the latest too when it is older, are missed.
 */
export function dueRun(
  schedule: HostSchedule,
  lastRunAt: Date,
  now: Date,
  catchUpMs: number,
): DueDecision {
  const cron = cronFor(schedule.timing, schedule.timeZone);
  const due: Date[] = [];
  let cursor = lastRunAt;
  for (;;) {
    const [next] = runsAfter(cron, schedule.spreadMs, cursor, 1);
    if (!next || next.getTime() > now.getTime()) break;
    due.push(next);
    cursor = next;
    // A schedule every minute and a host away for a year: keep the memory bounded.
    if (due.length > MAX_MISSED_REPORTED + 1) due.shift();
  }
  const latest = due.at(-1);
  if (!latest) return { run: null, missed: [] };
  const inWindow = now.getTime() - latest.getTime() <= catchUpMs;
  return inWindow ? { run: latest, missed: due.slice(0, -1) } : { run: null, missed: due };
}
