/** When schedules fire; the server and the agent compute it the same way. */
export {
  checkSpread,
  type DueDecision,
  dueRun,
  type HostSchedule,
  nextRuns,
  shortestIntervalMs,
  spreadOffsetMs,
} from "./runs.js";
export {
  cronFor,
  cronOf,
  describeTiming,
  isTimeZone,
  ScheduleError,
} from "./timing.js";
