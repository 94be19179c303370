import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import type { DashboardSummary } from "../../lib/api-types";
import { formatRelative } from "../../lib/format";
import { SeverityBadge, StateBadge } from "../alerts/AlertBadges";
import { kindLabel } from "../alerts/labels";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** The open alerts, newest first, at the top of the dashboard; hidden when there are none. */
export function OpenAlerts({ alerts }: { alerts: DashboardSummary["alerts"] }) {
  const { items, counts } = alerts;
  if (items.length === 0) return null;
  const total = counts.total;

  return (
    <Card
      title={`Open alerts (${total})`}
      description={`${counts.critical} critical · ${counts.warning} warning · ${counts.info} info`}
      actions={
        <Link to="/alerts" className={`text-sm ${LINK}`} data-testid="open-alerts-all">
          All alerts
        </Link>
      }
      data-testid="open-alerts"
    >
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {items.map((alert) => (
          <li
            key={alert.id}
            data-testid="open-alert"
            data-state={alert.state}
            className="flex flex-wrap items-center justify-between gap-x-6 gap-y-1 py-2.5 first:pt-0 last:pb-0"
          >
            <div className="flex min-w-0 items-center gap-2">
              <SeverityBadge severity={alert.severity} />
              <Link to={`/alerts/${alert.id}`} className={`truncate text-sm font-medium ${LINK}`}>
                {kindLabel(alert.kind)}: {alert.subject}
              </Link>
              {alert.count > 1 ? (
                <span className="text-xs text-slate-500">×{alert.count}</span>
              ) : null}
            </div>
            <div className="flex items-center gap-3 text-xs text-slate-500 dark:text-slate-400">
              <span>{formatRelative(alert.lastSeenAt)}</span>
              <StateBadge state={alert.state} />
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}
