import type { RepositorySummary } from "../../lib/api-types";
import { formatAge, formatCountOf, formatDateTime } from "../../lib/format";
import { hostsByLastSnapshot, SNAPSHOT_STALE_AFTER_MS } from "./health";

/**
 * The newest snapshot of each host recorded in the repository, with its age. The server sends
 * the stalest few of a repository shared by many hosts, and how many there are.
 */
export function SnapshotHosts({
  hosts,
  total,
}: {
  hosts: RepositorySummary["hosts"];
  total: number;
}) {
  if (hosts.length === 0) return null;
  const now = Date.now();
  return (
    <div className="space-y-1.5">
      <h3 className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        Last snapshot per host
      </h3>
      <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
        {hostsByLastSnapshot(hosts).map((host) => {
          const at = new Date(host.lastSnapshotAt);
          const stale = now - at.getTime() > SNAPSHOT_STALE_AFTER_MS;
          return (
            <li
              key={host.host}
              data-testid="repo-host-row"
              data-host={host.host}
              className="flex flex-wrap items-baseline justify-between gap-x-4 py-1.5"
            >
              <span className="min-w-0 truncate font-medium text-slate-800 dark:text-slate-200">
                {host.host}
              </span>
              <span className="flex items-baseline gap-3 text-xs text-slate-500 dark:text-slate-400">
                <span>{formatCountOf(host.snapshotCount, "snapshot")}</span>
                <span
                  title={formatDateTime(at)}
                  data-testid="repo-host-age"
                  className={
                    stale
                      ? "font-medium text-amber-700 dark:text-amber-400"
                      : "text-slate-700 dark:text-slate-300"
                  }
                >
                  {formatAge(at, now)}
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      {total > hosts.length ? (
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="repo-hosts-more">
          The {hosts.length} with the oldest snapshots of {total} hosts.
        </p>
      ) : null}
    </div>
  );
}
