import { CircleCheck } from "lucide-react";
import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import type { DashboardSummary } from "../../lib/api-types";
import { LastBackup } from "../hosts/HostFacts";

/** The server picks them: no backup yet, a failed last backup, or one over a day old. */
export function AttentionList({ attention }: { attention: DashboardSummary["attention"] }) {
  const hosts = attention.items;
  const more = attention.total - hosts.length;
  return (
    <Card
      title="Backups that need attention"
      description="Hosts whose last backup failed, is older than 24 hours, or that have none yet."
      data-testid="attention"
    >
      {hosts.length === 0 ? (
        <p className="flex items-center gap-2 text-sm text-emerald-700 dark:text-emerald-400">
          <CircleCheck className="size-4" aria-hidden />
          Every host has a successful backup from the last 24 hours.
        </p>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {hosts.map((host) => (
            <li
              key={host.id}
              data-testid="attention-row"
              className="flex flex-wrap items-center justify-between gap-x-6 gap-y-1 py-3 first:pt-0 last:pb-0"
            >
              <div className="min-w-0">
                <Link
                  to={`/hosts/${host.id}`}
                  className="text-sm font-medium text-teal-700 hover:underline dark:text-teal-300"
                >
                  {host.name}
                </Link>
                <p className="text-xs text-slate-500 dark:text-slate-400">{host.reason}</p>
              </div>
              <LastBackup host={host} />
            </li>
          ))}
        </ul>
      )}
      {more > 0 ? (
        <p className="mt-3 text-sm text-slate-500 dark:text-slate-400" data-testid="attention-more">
          and {more} more
        </p>
      ) : null}
    </Card>
  );
}
