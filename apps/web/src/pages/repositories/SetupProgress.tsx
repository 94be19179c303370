import { useQuery, useQueryClient } from "@tanstack/react-query";
import { LoaderCircle } from "lucide-react";
import { useEffect } from "react";
import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { errorCode } from "../../lib/errors";
import { isActiveState } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";
import { useJobLive } from "../jobs/useJobLive";

/** How a registration ends: ready, or withdrawn (the repository is gone again). */
export type SetupOutcome = "pending" | "ready" | "withdrawn";

const WITHDRAWN = /^Registration withdrawn:\s*/;

interface SetupProgressProps {
  repositoryId: string;
  name: string;
  jobId: string;
  hostOnline: boolean;
  onDone: () => void;
  onEdit: () => void;
}

/**
 * Follows a new repository's set-up job. The outcome is read from the repository itself: it
 * turns ready, or disappears when the registration is withdrawn (a failed set-up, or a
 * repository already registered under another name, even when the job itself succeeded).
 */
export function SetupProgress(props: SetupProgressProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The job and the repository are read again as the job changes state (see useFleetEvents);
  // a set-up's outcome is written to the repository before its job's end is announced.
  const job = useQuery(trpc.jobs.get.queryOptions({ id: props.jobId }));
  const live = useJobLive(props.jobId, job.data);
  const repository = useQuery(
    trpc.repositories.get.queryOptions({ id: props.repositoryId }, { retry: false }),
  );
  const outcome: SetupOutcome =
    repository.data?.status === "ready"
      ? "ready"
      : errorCode(repository.error) === "NOT_FOUND"
        ? "withdrawn"
        : "pending";

  useEffect(() => {
    if (outcome === "pending") return;
    void queryClient.invalidateQueries({ queryKey: trpc.repositories.list.pathKey() });
    // The reason is written to the job just before the repository goes.
    if (outcome === "withdrawn") {
      void queryClient.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: props.jobId }) });
    }
  }, [outcome, queryClient, trpc, props.jobId]);

  const reason = (live.error ?? "The set-up job did not succeed.").replace(WITHDRAWN, "");
  return (
    <div className="space-y-4" data-testid="repo-setup" data-outcome={outcome}>
      {outcome === "pending" ? (
        <div className="flex items-start gap-3 rounded-md border border-slate-200 px-4 py-3 dark:border-slate-800">
          <LoaderCircle className="mt-0.5 size-4 shrink-0 animate-spin text-teal-600" aria-hidden />
          <div className="space-y-0.5">
            <p className="text-sm font-medium text-slate-800 dark:text-slate-200">
              {stage(job.data?.kind, job.data?.hostName, live.state)}
            </p>
            {live.state === "queued" && !props.hostOnline ? (
              <p className="text-xs text-slate-500 dark:text-slate-400">
                The host is offline: the job runs when its agent connects. You can close this; the
                repository stays “setting up” until then.
              </p>
            ) : null}
          </div>
        </div>
      ) : null}
      {outcome === "ready" ? (
        <Alert tone="success" title={`“${props.name}” is ready`} data-testid="repo-setup-ready">
          Hosts can back up to it now. Its health (snapshots, sizes, locks) is being read.
        </Alert>
      ) : null}
      {outcome === "withdrawn" ? (
        <Alert tone="error" title="Registration withdrawn" data-testid="repo-setup-withdrawn">
          <span className="break-words whitespace-pre-wrap" data-testid="repo-setup-reason">
            {reason}
          </span>
        </Alert>
      ) : null}
      <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
        Set-up job
        {live.state ? <JobStateBadge state={live.state} /> : null}
        <Link
          to={`/jobs/${props.jobId}`}
          className="text-teal-700 hover:underline dark:text-teal-300"
          data-testid="repo-setup-job"
        >
          open its page
        </Link>
      </p>
      <div className="flex justify-end gap-2">
        {outcome === "withdrawn" ? (
          <Button onClick={props.onEdit} data-testid="repo-setup-edit">
            Change and try again
          </Button>
        ) : null}
        {outcome === "ready" ? (
          <Link
            to={`/repositories/${props.repositoryId}`}
            onClick={props.onDone}
            data-testid="repo-setup-open"
            className="inline-flex h-9 items-center rounded-md px-3.5 text-sm font-medium text-teal-700 hover:bg-teal-50 dark:text-teal-300 dark:hover:bg-teal-950/60"
          >
            Open repository
          </Link>
        ) : null}
        <Button variant="primary" onClick={props.onDone} data-testid="repo-setup-done">
          {outcome === "pending" ? "Close" : "Done"}
        </Button>
      </div>
    </div>
  );
}

function stage(kind: string | undefined, host: string | undefined, state: string | undefined) {
  if (!kind || !host || !state) return "Starting the set-up…";
  if (state === "queued") return `Waiting for ${host} to pick up the set-up job…`;
  if (!isActiveState(state)) return "Recording the outcome…";
  return kind === "init"
    ? `Creating the repository on ${host} (restic init)…`
    : `Opening the repository on ${host} to check the password…`;
}
