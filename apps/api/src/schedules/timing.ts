import {
  narrow,
  SCHEDULE_KINDS,
  SCHEDULE_OVERLAPS,
  type TScheduleOptions,
  type TScheduleTiming,
  ZScheduleOptions,
  ZScheduleTiming,
} from "@restic-manager/contracts";
import {
  checkSpread,
  cronFor,
  type HostSchedule,
  isTimeZone,
  ScheduleError,
  shortestIntervalMs,
  spreadOffsetMs,
} from "@restic-manager/schedule";
import { AppError } from "../errors.js";

/** A schedule's stored columns, as far as when it fires is concerned. */
export interface ScheduleRow {
  id: string;
  kind: string;
  hostId: string | null;
  timing: string;
  timeZone: string | null;
  spreadMinutes: number;
  catchUpMinutes: number | null;
  overlap: string;
  options: string;
  paused: boolean;
}

/** The zone a schedule fires in: its own, else its host's, else UTC. */
export function effectiveTimeZone(
  schedule: { timeZone: string | null },
  host: { timeZone: string | null } | null,
): string {
  const zone = schedule.timeZone ?? host?.timeZone ?? "UTC";
  return isTimeZone(zone) ? zone : "UTC";
}

export function parsedRow(row: ScheduleRow) {
  return {
    kind: narrow(SCHEDULE_KINDS, row.kind),
    overlap: narrow(SCHEDULE_OVERLAPS, row.overlap),
    timing: ZScheduleTiming.parse(JSON.parse(row.timing)) as TScheduleTiming,
    options: ZScheduleOptions.parse(JSON.parse(row.options)) as TScheduleOptions,
  };
}

/** The schedule as the host's clock sees it: zone and spread resolved. */
export function hostScheduleOf(
  row: ScheduleRow,
  host: { id: string; timeZone: string | null } | null,
): HostSchedule {
  return {
    timing: parsedRow(row).timing,
    timeZone: effectiveTimeZone(row, host),
    spreadMs: host ? spreadOffsetMs(host.id, row.spreadMinutes) : 0,
  };
}

/** How long after its slot a missed run may still start: the row's, or one interval. */
export function catchUpMs(row: ScheduleRow, schedule: HostSchedule, now: Date): number {
  if (row.catchUpMinutes !== null) return row.catchUpMinutes * 60_000;
  const interval = shortestIntervalMs(schedule.timing, schedule.timeZone, now);
  return Number.isFinite(interval) ? interval : 24 * 3600_000;
}

/**
 * Refuses a timing that cannot be used, with the reason: an expression croner refuses, a time
 * zone that does not exist, a spread window as long as the interval, a schedule that never fires.
 */
export function validateTiming(
  input: { timing: TScheduleTiming; timeZone: string | null; spreadMinutes: number },
  now: Date,
): void {
  try {
    const zone = input.timeZone ?? "UTC";
    const cron = cronFor(input.timing, zone);
    if (!cron.nextRun(now)) throw new ScheduleError("This schedule never fires");
    checkSpread(input.timing, zone, input.spreadMinutes, now);
  } catch (error) {
    if (error instanceof ScheduleError) throw new AppError("BAD_REQUEST", error.message);
    throw error;
  }
}
