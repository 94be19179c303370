import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { QueryStatus } from "../../components/QueryStatus";
import { Card } from "../../components/ui/Card";
import type { CheckCoverage, ScheduleListItem } from "../../lib/api-types";
import { formatAge, formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { SchedulesTable } from "../schedules/SchedulesTable";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";
const MUTED = "text-sm text-slate-500 dark:text-slate-400";
const DAY_MS = 86_400_000;

/**
 * How much of the repository's data its scheduled checks have read, how the last check went,
 * and every schedule that works on the repository.
 */
export function RepositoryChecksCard({ repositoryId }: { repositoryId: string }) {
  const trpc = useTRPC();
  const coverage = useQuery(trpc.schedules.checkCoverage.queryOptions({ repositoryId }));
  const schedules = useQuery(trpc.schedules.list.queryOptions({ repositoryId, limit: 50 }));
  const items = schedules.data?.items ?? [];
  const allLink = `/schedules?repository=${repositoryId}`;

  return (
    <Card
      title="Checks and schedules"
      description="How much of the data the scheduled checks have read, and what runs on this repository when."
      data-testid="repo-checks-card"
      actions={
        <Link to={allLink} className={`text-sm ${LINK}`} data-testid="repo-schedules-link">
          {schedules.data?.nextCursor ? "All its schedules" : "Open in Schedules"}
        </Link>
      }
    >
      <div className="space-y-5">
        <QueryStatus query={coverage} loading="Loading checks…" />
        {coverage.data?.length === 0 ? (
          <p className={MUTED} data-testid="repo-no-check-schedule">
            No scheduled check: nothing verifies this repository at set times. Add a check schedule
            (reading the data in parts) on the{" "}
            <Link to="/schedules" className={LINK}>
              Schedules
            </Link>{" "}
            page.
          </p>
        ) : null}
        {coverage.data && coverage.data.length > 0 ? (
          <ul className="space-y-3">
            {coverage.data.map((check) => (
              <CheckCoverageItem
                key={check.scheduleId}
                check={check}
                schedule={items.find((s) => s.id === check.scheduleId)}
              />
            ))}
          </ul>
        ) : null}
        <QueryStatus query={schedules} loading="Loading schedules…" />
        {schedules.data && items.length === 0 ? (
          <p className={MUTED} data-testid="repo-schedules-empty">
            No schedule works on this repository yet.
          </p>
        ) : null}
        {items.length > 0 ? <SchedulesTable schedules={items} withActions={false} /> : null}
      </div>
    </Card>
  );
}

function CheckCoverageItem({
  check,
  schedule,
}: {
  check: CheckCoverage;
  schedule: ScheduleListItem | undefined;
}) {
  return (
    <li
      className="space-y-1 rounded-md border border-slate-200 px-4 py-3 dark:border-slate-800"
      data-testid="check-coverage"
      data-unread={check.unread.length}
    >
      <p className="text-sm font-medium text-slate-800 dark:text-slate-200">
        {schedule ? `Check: ${schedule.description}` : "Check"}
        {check.paused ? (
          <span className="ml-2 text-xs font-normal text-amber-700">paused</span>
        ) : null}
      </p>
      <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="check-coverage-text">
        {coverageText(check)}
      </p>
      <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
        Last check
        {check.lastRun ? (
          <>
            <Link to={`/jobs/${check.lastRun.jobId}`} data-testid="check-last-run">
              <JobStateBadge state={check.lastRun.state} />
            </Link>
            <span title={formatDateTime(check.lastRun.at)}>{formatAge(check.lastRun.at)}</span>
          </>
        ) : (
          <span>never</span>
        )}
      </p>
    </li>
  );
}

/** "All data read within the last 6 days", "Parts 2, 3 of 4 still unread", or why neither. */
function coverageText(check: CheckCoverage, now = Date.now()): string {
  if (!check.parts) {
    return "Checks the structure only and reads no data: give it a number of parts to read all the data over that many runs.";
  }
  if (check.allDataReadSince) {
    const days = Math.max(1, Math.ceil((now - check.allDataReadSince.getTime()) / DAY_MS));
    return `All data read within the last ${days === 1 ? "day" : `${days} days`}.`;
  }
  if (check.unread.length === check.parts) {
    return `None of its ${check.parts} parts has been read yet.`;
  }
  const noun = check.unread.length === 1 ? "Part" : "Parts";
  return `${noun} ${check.unread.join(", ")} of ${check.parts} still unread.`;
}
