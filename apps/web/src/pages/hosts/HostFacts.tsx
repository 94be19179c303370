import { TriangleAlert } from "lucide-react";
import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { formatAge } from "../../lib/format";

/** The restic version, or what to do when restic is missing or too old. */
export function ResticVersion({
  version,
  problem,
}: {
  version: string | null;
  problem: string | null;
}) {
  return (
    <div className="space-y-1" data-testid="host-restic">
      <span className="font-mono text-xs" data-testid="host-restic-version">
        {version ?? "—"}
      </span>
      {problem ? (
        <p
          data-testid="restic-problem"
          className="flex max-w-xs items-start gap-1.5 rounded-md bg-amber-50 px-2 py-1 text-xs font-medium text-amber-800 ring-1 ring-amber-200 ring-inset dark:bg-amber-950/60 dark:text-amber-300 dark:ring-amber-800"
        >
          <TriangleAlert className="mt-px size-3.5 shrink-0" aria-hidden />
          {problem}
        </p>
      ) : null}
    </div>
  );
}

interface BackupFacts {
  lastBackupAt: Date | null;
  lastBackupState: string | null;
  lastBackupJobId: string | null;
}

/** The state of the host's latest backup and how long ago it ended, linking to that job. */
export function LastBackup({ host }: { host: BackupFacts }) {
  if (!host.lastBackupState) {
    return <span className="text-sm text-slate-500 dark:text-slate-400">none yet</span>;
  }
  const age = (
    <span title={host.lastBackupAt?.toLocaleString()}>{formatAge(host.lastBackupAt)}</span>
  );
  return (
    <span className="inline-flex items-center gap-2 text-sm" data-testid="host-last-backup">
      <JobStateBadge state={host.lastBackupState} />
      {host.lastBackupJobId ? (
        <Link
          to={`/jobs/${host.lastBackupJobId}`}
          className="text-teal-700 hover:underline dark:text-teal-300"
        >
          {age}
        </Link>
      ) : (
        age
      )}
    </span>
  );
}

export function LastSeen({ online, lastSeenAt }: { online: boolean; lastSeenAt: Date | null }) {
  if (online) return <span className="text-emerald-700 dark:text-emerald-400">connected now</span>;
  if (!lastSeenAt) return <span className="text-slate-500">never connected</span>;
  return <span title={lastSeenAt.toLocaleString()}>{formatAge(lastSeenAt)}</span>;
}
