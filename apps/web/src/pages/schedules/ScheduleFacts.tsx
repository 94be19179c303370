import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { Badge } from "../../components/ui/Badge";
import type { ScheduleListItem } from "../../lib/api-types";
import { formatAge, formatDateTimeIn, formatRelative } from "../../lib/format";

const MUTED = "text-xs text-slate-500 dark:text-slate-400";

type Status = "paused" | "problem" | "active";

export function scheduleStatus(schedule: ScheduleListItem): Status {
  if (schedule.paused) return "paused";
  return schedule.problem ? "problem" : "active";
}

/** Paused, cannot run (and why), or active. */
export function ScheduleStatus({
  schedule,
  withReason = true,
}: {
  schedule: ScheduleListItem;
  /** The problem in words under the badge; lists with little room show it as a tooltip. */
  withReason?: boolean;
}) {
  const status = scheduleStatus(schedule);
  return (
    <span
      className="inline-block max-w-xs space-y-1"
      data-testid="schedule-status"
      data-status={status}
      title={withReason ? undefined : (schedule.problem ?? undefined)}
    >
      {status === "paused" ? <Badge tone="warning">paused</Badge> : null}
      {status === "problem" ? <Badge tone="danger">cannot run</Badge> : null}
      {status === "active" ? <Badge tone="success">active</Badge> : null}
      {schedule.problem && withReason ? (
        <span
          className="block text-xs text-red-700 dark:text-red-300"
          data-testid="schedule-problem"
        >
          {schedule.problem}
        </span>
      ) : null}
    </span>
  );
}

/** When it runs next, on the clock of the zone it is planned in, and how soon that is. */
export function NextRun({ schedule }: { schedule: ScheduleListItem }) {
  if (!schedule.nextRunAt) {
    return (
      <span className={MUTED} data-testid="schedule-next-run">
        {schedule.paused ? "not while paused" : "—"}
      </span>
    );
  }
  return (
    <span data-testid="schedule-next-run" className="inline-block min-w-36">
      {formatDateTimeIn(schedule.nextRunAt, schedule.effectiveTimeZone)}
      <span className={`block ${MUTED}`}>{formatRelative(schedule.nextRunAt)}</span>
    </span>
  );
}

/** The state of the schedule's latest run, linking to its job, and how long ago it was. */
export function LastRun({ schedule }: { schedule: ScheduleListItem }) {
  const run = schedule.lastRun;
  if (!run) {
    return (
      <span className={MUTED} data-testid="schedule-last-run">
        never
      </span>
    );
  }
  const at = run.finishedAt ?? run.createdAt;
  return (
    <span
      className="inline-flex items-center gap-2 whitespace-nowrap"
      data-testid="schedule-last-run"
      data-state={run.state}
    >
      <Link to={`/jobs/${run.id}`} data-testid="schedule-last-run-link">
        <JobStateBadge state={run.state} />
      </Link>
      <span className={MUTED} title={at.toLocaleString()}>
        {formatAge(at)}
      </span>
    </span>
  );
}

/** "Every day at 02:00" and the zone, when it is not the host's own. */
export function ScheduleWhen({ schedule }: { schedule: ScheduleListItem }) {
  return (
    <span data-testid="schedule-when">
      {schedule.description}
      <span className={`block ${MUTED}`}>
        {schedule.timeZone ? schedule.timeZone : `${schedule.effectiveTimeZone} (host's zone)`}
        {schedule.spreadMinutes > 0 ? ` · spread over ${schedule.spreadMinutes} min` : ""}
      </span>
    </span>
  );
}
