import { Link } from "react-router";
import type { ScheduleListItem } from "../../lib/api-types";
import { LastRun, NextRun, ScheduleStatus } from "../schedules/ScheduleFacts";

/** A set's schedules in a table cell: when each runs, its next run, and how the last one went. */
export function SetSchedules({ schedules }: { schedules: ScheduleListItem[] }) {
  if (schedules.length === 0) {
    return (
      <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="set-unscheduled">
        Not scheduled ·{" "}
        <Link to="/schedules" className="text-teal-700 hover:underline dark:text-teal-300">
          schedules
        </Link>
      </span>
    );
  }
  return (
    <ul className="space-y-2">
      {schedules.map((schedule) => (
        <li
          key={schedule.id}
          className="space-y-1 text-xs"
          data-testid="set-schedule"
          data-kind={schedule.kind}
        >
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-800 dark:text-slate-200">
              {schedule.kind === "backup" ? "" : `${schedule.kind}: `}
              {schedule.description}
            </span>
            <ScheduleStatus schedule={schedule} withReason={false} />
          </p>
          <dl className="grid grid-cols-[auto_1fr] items-start gap-x-2 gap-y-1">
            <dt className="text-slate-500 dark:text-slate-400">Next</dt>
            <dd>
              <NextRun schedule={schedule} />
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Last</dt>
            <dd>
              <LastRun schedule={schedule} />
            </dd>
          </dl>
        </li>
      ))}
    </ul>
  );
}
