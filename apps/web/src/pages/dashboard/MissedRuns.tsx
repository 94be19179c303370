import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import type { DashboardSummary } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** The latest slots schedules did not run in (the agent was away) or skipped; hidden when none. */
export function MissedRuns({ items }: { items: DashboardSummary["missedRuns"] }) {
  if (items.length === 0) return null;

  return (
    <Card
      title="Missed runs"
      description="Scheduled runs that did not happen at their time: the agent was away, or the run before was still going."
      actions={
        <Link to="/schedules" className={`text-sm ${LINK}`}>
          Schedules
        </Link>
      }
      data-testid="missed-runs"
    >
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {items.map((miss) => (
          <li
            key={miss.id}
            data-testid="missed-run"
            data-reason={miss.reason}
            className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1 py-2.5 first:pt-0 last:pb-0"
          >
            <div className="min-w-0 space-y-0.5">
              <p className="text-sm text-slate-800 dark:text-slate-200">
                <span className="font-medium">{formatDateTime(miss.slot)}</span>
                {" · "}
                <Link
                  to={miss.hostId ? `/schedules?host=${miss.hostId}` : "/schedules"}
                  className={LINK}
                  title="Open in Schedules"
                >
                  {miss.scheduleKind} of {miss.target}
                </Link>
                {miss.hostName ? <span className="text-slate-500"> on {miss.hostName}</span> : null}
              </p>
              {miss.detail ? (
                <p className="text-xs text-slate-500 dark:text-slate-400">{miss.detail}</p>
              ) : null}
            </div>
            <Badge tone={miss.reason === "missed" ? "warning" : "neutral"}>{miss.reason}</Badge>
          </li>
        ))}
      </ul>
    </Card>
  );
}
