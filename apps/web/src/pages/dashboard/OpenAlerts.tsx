import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import { formatRelative } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { SeverityBadge, StateBadge } from "../alerts/AlertBadges";
import { kindLabel } from "../alerts/labels";

const SHOWN = 5;
const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** The open alerts, newest first, at the top of the dashboard; hidden when there are none. */
export function OpenAlerts() {
  const trpc = useTRPC();
  const alerts = useQuery(trpc.alerts.list.queryOptions({ state: "open", limit: SHOWN }));
  const counts = useQuery(trpc.alerts.counts.queryOptions());
  const items = alerts.data?.items ?? [];
  if (items.length === 0) return null;
  const total = counts.data?.total ?? items.length;

  return (
    <Card
      title={`Open alerts (${total})`}
      description={
        counts.data
          ? `${counts.data.critical} critical · ${counts.data.warning} warning · ${counts.data.info} info`
          : undefined
      }
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
