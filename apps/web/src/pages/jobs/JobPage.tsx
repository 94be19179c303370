import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { Alert } from "../../components/ui/Alert";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { parseProgress, parseResult } from "../../lib/jobs";
import { useTRPC } from "../../lib/trpc";
import { JobActions } from "./JobActions";
import { JobFacts } from "./JobFacts";
import { JobLog } from "./JobLog";
import { JobProgressPanel } from "./JobProgressPanel";
import { LiveIndicator } from "./LiveIndicator";
import { JobResultView } from "./results/JobResultView";
import { useJobLive } from "./useJobLive";

/** Kinds whose restic run reports progress while it runs. */
const WITH_PROGRESS = ["backup", "restore"];
const ENDINGS: Record<string, { title: string; reason: string }> = {
  failed: { title: "The job failed", reason: "No reason was reported." },
  cancelled: { title: "The job was cancelled", reason: "It was stopped on request." },
  lost: { title: "The job was lost", reason: "Its agent did not report how it ended." },
};

export function JobPage() {
  const { id = "" } = useParams();
  // A new job (after a retry) starts with a fresh live state.
  return <JobView key={id} id={id} />;
}

function JobView({ id }: { id: string }) {
  const trpc = useTRPC();
  // jobs.watch (useJobLive) and the fleet event stream have the job read again as it changes.
  const job = useQuery(trpc.jobs.get.queryOptions({ id }));
  const live = useJobLive(id, job.data, parseProgress(job.data?.progress));

  if (job.error) {
    return (
      <div data-testid="page-job" className="space-y-4">
        <Alert tone="error">{describeError(job.error).message}</Alert>
        <Link to="/jobs" className="text-sm text-teal-700 underline dark:text-teal-300">
          Back to jobs
        </Link>
      </div>
    );
  }
  if (!job.data || !live.state) return <p className="text-sm text-slate-500">Loading job…</p>;
  const data = job.data;
  const result = parseResult(data.result);
  const ending = live.active ? undefined : ENDINGS[live.state];

  return (
    <div data-testid="page-job" data-state={live.state} className="space-y-6">
      <PageHeader
        title={`${data.kind} on ${data.hostName}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <JobStateBadge state={live.state} />
            <span className="font-mono text-xs">{data.id}</span>
            {live.active ? <LiveIndicator status={live.connection} /> : null}
          </span>
        }
        actions={<JobActions id={data.id} kind={data.kind} state={live.state} />}
      />
      <JobFacts job={data} state={live.state} />
      {live.active && WITH_PROGRESS.includes(data.kind) ? (
        <JobProgressPanel kind={data.kind} progress={live.progress} rate={live.rate} />
      ) : null}
      {ending ? (
        <Alert tone="error" title={ending.title} data-testid="job-error">
          <span className="break-words whitespace-pre-wrap">{live.error ?? ending.reason}</span>
        </Alert>
      ) : null}
      {result && !live.active ? (
        <Card title="Result" data-testid="job-result">
          <JobResultView result={result} />
        </Card>
      ) : null}
      <JobLog lines={live.lines} totalLines={data.logLines} live={live.active} />
    </div>
  );
}
