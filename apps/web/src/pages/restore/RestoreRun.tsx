import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { QueryStatus } from "../../components/QueryStatus";
import { Alert } from "../../components/ui/Alert";
import { formatBytes, formatCount } from "../../lib/format";
import { parseProgress, parseResult } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";
import { JobProgressPanel } from "../jobs/JobProgressPanel";
import { Figures } from "../jobs/results/Figures";
import { useJobLive } from "../jobs/useJobLive";

/** The restore job followed live to its end, then what it restored, skipped and failed on. */
export function RestoreRun({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ id: jobId }));
  const live = useJobLive(jobId, job.data, parseProgress(job.data?.progress));
  const jobLink = (
    <Link
      to={`/jobs/${jobId}`}
      className="text-sm text-teal-700 hover:underline dark:text-teal-300"
      data-testid="restore-job-link"
    >
      Open the job
    </Link>
  );
  if (!job.data || !live.state) return <QueryStatus query={job} loading="Starting the restore…" />;
  const result = parseResult(job.data.result);

  return (
    <div className="space-y-4" data-testid="restore-run" data-state={live.state}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <span className="flex items-center gap-2 text-sm">
          <JobStateBadge state={live.state} />
          on {job.data.hostName}
        </span>
        {jobLink}
      </div>
      {live.active ? (
        <JobProgressPanel kind="restore" progress={live.progress} rate={live.rate} />
      ) : null}
      {!live.active && live.state !== "succeeded" ? (
        <Alert tone="error" title={`The restore ${live.state}`} data-testid="restore-error">
          <span className="break-words whitespace-pre-wrap">
            {live.error ?? "No reason was reported."}
          </span>
        </Alert>
      ) : null}
      {result?.kind === "restore" ? (
        <div className="space-y-3" data-testid="restore-result">
          <Figures
            items={[
              [
                "Restored",
                <span data-testid="restore-restored">
                  {formatCount(result.summary.filesRestored)} files and folders
                </span>,
              ],
              [
                "Skipped",
                <span data-testid="restore-skipped">
                  {formatCount(result.summary.filesSkipped)} files and folders
                </span>,
              ],
              [
                "Failed",
                <span data-testid="restore-failed">
                  {formatCount(result.itemErrorCount)} items
                </span>,
              ],
              [
                "Data",
                `${formatBytes(result.summary.bytesRestored)} written, ${formatBytes(result.summary.bytesSkipped)} skipped`,
              ],
            ]}
          />
          {result.itemErrors.length > 0 ? (
            <ul className="max-h-48 overflow-auto rounded-md border border-red-200 px-3 py-2 font-mono text-xs text-red-800 dark:border-red-900/60 dark:text-red-200">
              {result.itemErrors.map((error, i) => (
                // Errors have no id of their own, and the list never reorders.
                <li key={i}>
                  {error.item ? `${error.item}: ` : ""}
                  {error.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
