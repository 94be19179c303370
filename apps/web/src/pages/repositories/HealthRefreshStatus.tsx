import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { isActiveState } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";

/** What asking for a health refresh gave: a job, no host to run one (null), or a refusal. */
export type HealthRefresh = { jobId: string | null } | { error: string };

const LINK = "font-medium underline";

/** Follows a health refresh to its end, then has the repository read again. */
export function HealthRefreshStatus({ refresh }: { refresh: HealthRefresh }) {
  if ("error" in refresh) {
    return (
      <Alert tone="error" data-testid="repo-refresh-status">
        {refresh.error}
      </Alert>
    );
  }
  if (refresh.jobId === null) {
    return (
      <Alert tone="warning" data-testid="repo-refresh-status">
        No host can read this repository now: give it a maintenance host or a backup set, or run
        “Repository health” from a host that reaches it.
      </Alert>
    );
  }
  return <RefreshJob jobId={refresh.jobId} />;
}

function RefreshJob({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Read again on each of the job's state changes (see useFleetEvents).
  const job = useQuery(trpc.jobs.get.queryOptions({ id: jobId }));
  const state = job.data?.state;
  const done = state !== undefined && !isActiveState(state);

  useEffect(() => {
    if (done) void queryClient.invalidateQueries({ queryKey: trpc.repositories.pathKey() });
  }, [done, queryClient, trpc]);

  const link = (
    <Link to={`/jobs/${jobId}`} className={LINK}>
      health job
    </Link>
  );
  if (!done) {
    return (
      <Alert tone="info" data-testid="repo-refresh-status">
        Reading the repository's health{job.data ? ` on ${job.data.hostName}` : ""}… ({link})
      </Alert>
    );
  }
  if (state === "succeeded") {
    return (
      <Alert tone="success" data-testid="repo-refresh-status">
        Health refreshed ({link}).
      </Alert>
    );
  }
  return (
    <Alert tone="error" data-testid="repo-refresh-status">
      The health job {state}
      {job.data?.error ? `: ${job.data.error}` : ""} ({link}).
    </Alert>
  );
}
