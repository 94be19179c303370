import type { TForgetResult, TSnapshot } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { LoaderCircle } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { describeError } from "../../lib/errors";
import { formatCountOf, formatDateTime } from "../../lib/format";
import { isActiveState, parseResult } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";
import { useJobLive } from "../jobs/useJobLive";

/** Snapshots listed per side; the job's page has them all. */
const LISTED = 20;
const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/**
 * Follows a retention preview (a dry-run forget of the set's snapshots on the maintenance host)
 * to its end, then says what the policy keeps and what it removes.
 */
export function RetentionPreview({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ id: jobId }));
  const live = useJobLive(jobId, job.data);
  const jobLink = (
    <Link to={`/jobs/${jobId}`} className={LINK} data-testid="retention-preview-job">
      the dry run's job
    </Link>
  );

  if (job.error) return <Alert tone="error">{describeError(job.error).message}</Alert>;
  if (!job.data || !live.state || live.active || isActiveState(job.data.state)) {
    const waiting = live.state === "queued";
    return (
      <p
        className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-300"
        data-testid="retention-preview-running"
      >
        <LoaderCircle className="size-4 animate-spin text-teal-600" aria-hidden />
        {waiting && job.data
          ? `Waiting for ${job.data.hostName} to pick up the dry run…`
          : `Running a dry-run forget${job.data ? ` on ${job.data.hostName}` : ""}…`}
      </p>
    );
  }
  if (live.state !== "succeeded") {
    return (
      <Alert tone="error" title="The preview did not finish" data-testid="retention-preview-error">
        {live.error ?? `The dry run ended ${live.state}.`} See {jobLink}.
      </Alert>
    );
  }
  const result = parseResult(job.data.result);
  if (result?.kind !== "forget") {
    return (
      <Alert tone="warning" data-testid="retention-preview-error">
        The dry run reported no result. See {jobLink}.
      </Alert>
    );
  }
  return <PreviewOutcome result={result} jobLink={jobLink} />;
}

function PreviewOutcome({ result, jobLink }: { result: TForgetResult; jobLink: ReactNode }) {
  const kept = result.groups.flatMap((group) => group.keep);
  const removed = result.groups.flatMap((group) => group.remove);
  return (
    <div className="space-y-3" data-testid="retention-preview-result">
      <p
        className="text-sm font-medium text-slate-800 dark:text-slate-200"
        data-testid="retention-preview-summary"
        data-kept={result.keptCount}
        data-removed={result.removedCount}
      >
        Keeps {formatCountOf(result.keptCount, "snapshot")}, removes {result.removedCount}.{" "}
        <span className="font-normal text-slate-500 dark:text-slate-400">
          Nothing was removed: see {jobLink}.
        </span>
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <SnapshotList title="Kept" snapshots={kept} data-testid="retention-kept" />
        <SnapshotList title="Removed" snapshots={removed} data-testid="retention-removed" />
      </div>
    </div>
  );
}

function SnapshotList({
  title,
  snapshots,
  "data-testid": testId,
}: {
  title: string;
  snapshots: TSnapshot[];
  "data-testid": string;
}) {
  return (
    <section data-testid={testId} className="space-y-1">
      <h4 className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {title}
      </h4>
      {snapshots.length === 0 ? (
        <p className="text-xs text-slate-500 dark:text-slate-400">none</p>
      ) : (
        <ul className="space-y-0.5 text-xs">
          {snapshots.slice(0, LISTED).map((snapshot) => (
            <li key={snapshot.id} data-testid="retention-snapshot" className="flex gap-3">
              <span className="font-mono" title={snapshot.id}>
                {snapshot.shortId}
              </span>
              <span className="text-slate-600 dark:text-slate-300">
                {formatDateTime(new Date(snapshot.time))}
              </span>
            </li>
          ))}
          {snapshots.length > LISTED ? (
            <li className="text-slate-500">and {snapshots.length - LISTED} more</li>
          ) : null}
        </ul>
      )}
    </section>
  );
}
