import { TriangleAlert } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import type { RepositorySummary } from "../../lib/api-types";
import { formatAge, formatBytes, formatCount, formatDateTime } from "../../lib/format";
import { CHECK_TONES, checkState, repositoryDedup } from "./health";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** Snapshots, sizes, dedup ratio, the last check and the locks of a ready repository. */
export function HealthFigures({ repository }: { repository: RepositorySummary }) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-4 sm:grid-cols-3">
      <Figure label="Snapshots" testId="repo-snapshots" value={repository.snapshotCount}>
        {formatCount(repository.snapshotCount)}
      </Figure>
      <Figure label="Total size" testId="repo-total-size" value={repository.totalSize}>
        {formatBytes(repository.totalSize)}
      </Figure>
      <Figure label="Stored (raw)" testId="repo-raw-size" value={repository.rawSize}>
        {formatBytes(repository.rawSize)}
      </Figure>
      <Figure label="Dedup ratio" testId="repo-dedup">
        {repositoryDedup(repository)}
      </Figure>
      <Figure label="Last check" testId="repo-last-check">
        <LastCheck repository={repository} />
      </Figure>
      <Figure label="Locks" testId="repo-locks">
        <Locks total={repository.locks.length} stale={repository.staleLocks} />
      </Figure>
    </dl>
  );
}

function Figure({
  label,
  testId,
  value,
  children,
}: {
  label: string;
  testId: string;
  /** The exact figure behind a rounded one, for tools that read the page. */
  value?: number | null;
  children: ReactNode;
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {label}
      </dt>
      <dd
        className="mt-0.5 text-sm text-slate-800 tabular-nums dark:text-slate-200"
        data-testid={testId}
        data-value={value ?? undefined}
      >
        {children}
      </dd>
    </div>
  );
}

function LastCheck({ repository }: { repository: RepositorySummary }) {
  const state = checkState(repository);
  if (state === "never") {
    return (
      <span data-check="never" className="text-slate-500 dark:text-slate-400">
        never
      </span>
    );
  }
  const age = (
    <span title={formatDateTime(repository.lastCheckAt)}>{formatAge(repository.lastCheckAt)}</span>
  );
  return (
    <span data-check={state} className="space-y-0.5">
      <span className="flex flex-wrap items-center gap-1.5">
        <Badge tone={CHECK_TONES[state]}>{state}</Badge>
        {repository.lastCheckJobId ? (
          <Link to={`/jobs/${repository.lastCheckJobId}`} className={LINK}>
            {age}
          </Link>
        ) : (
          age
        )}
      </span>
      {state === "failed" ? (
        <span className="block text-xs text-slate-500 dark:text-slate-400">
          last success{" "}
          <span data-testid="repo-last-check-success">
            {formatAge(repository.lastCheckSuccessAt)}
          </span>
        </span>
      ) : null}
    </span>
  );
}

function Locks({ total, stale }: { total: number; stale: number }) {
  return (
    <span className="flex flex-wrap items-center gap-1.5">
      <span data-testid="repo-lock-count">{total}</span>
      {stale > 0 ? (
        <span
          data-testid="repo-stale-locks"
          className="inline-flex items-center gap-1 text-xs font-medium text-amber-700 dark:text-amber-400"
        >
          <TriangleAlert className="size-3.5" aria-hidden />
          {stale} stale
        </span>
      ) : null}
    </span>
  );
}
