import { CircleCheck } from "lucide-react";
import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import type { HostListItem as Host } from "../../lib/api-types";
import { LastBackup } from "../hosts/HostFacts";

const STALE_AFTER_MS = 86_400_000;

/** No backup yet, the last one did not succeed, or it is more than a day old. */
export function needsAttention(host: Host, now: number): boolean {
  return reason(host, now) !== undefined;
}

function reason(host: Host, now: number): string | undefined {
  if (!host.lastBackupState || !host.lastBackupAt) return "no backup yet";
  if (host.lastBackupState !== "succeeded") return `last backup ${host.lastBackupState}`;
  if (now - host.lastBackupAt.getTime() > STALE_AFTER_MS) return "last backup over 24 h ago";
  return undefined;
}

export function AttentionList({ hosts }: { hosts: Host[] }) {
  const now = Date.now();
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
                <p className="text-xs text-slate-500 dark:text-slate-400">{reason(host, now)}</p>
              </div>
              <LastBackup host={host} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
