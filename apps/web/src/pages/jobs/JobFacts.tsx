import type { ReactNode } from "react";
import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import type { JobDetail } from "../../lib/api-types";
import { formatDateTime, formatDuration, secondsBetween } from "../../lib/format";
import { describeParams } from "./params";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** Who started the job, where, when, how long it took, and with which options. */
export function JobFacts({ job, state }: { job: JobDetail; state: string }) {
  const options = describeParams(job.params);
  return (
    <Card data-testid="job-facts">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 text-sm lg:grid-cols-4">
        <Fact label="Host">
          <Link to={`/hosts/${job.hostId}`} className={LINK} data-testid="job-host-link">
            {job.hostName}
          </Link>
        </Fact>
        <Fact label="Repository">
          {job.repositoryId && job.repositoryName ? (
            <Link to={`/repositories/${job.repositoryId}`} className={LINK}>
              {job.repositoryName}
            </Link>
          ) : (
            (job.repositoryName ?? "—")
          )}
          {job.repositoryId ? (
            <span className="block text-xs text-slate-500" data-testid="job-endpoint">
              {job.endpoint} endpoint
            </span>
          ) : null}
        </Fact>
        <Fact label="Created by">
          {job.createdByName ?? "—"} <span className="text-slate-500">({job.createdByType})</span>
          {job.retryOfId ? (
            <Link to={`/jobs/${job.retryOfId}`} className={`block text-xs ${LINK}`}>
              retry of an earlier job
            </Link>
          ) : null}
        </Fact>
        <Fact label="Created">{formatDateTime(job.createdAt)}</Fact>
        <Fact label="Started">{job.startedAt ? formatDateTime(job.startedAt) : "not yet"}</Fact>
        <Fact label="Finished">{job.finishedAt ? formatDateTime(job.finishedAt) : "—"}</Fact>
        <Fact label="Duration">
          {job.startedAt ? formatDuration(secondsBetween(job.startedAt, job.finishedAt)) : "—"}
        </Fact>
        <Fact label="Exit code">
          <span data-testid="job-exit-code">{job.exitCode ?? "—"}</span>
          {job.cancelRequested && state !== "cancelled" ? (
            <span className="block text-xs text-amber-700 dark:text-amber-400">
              cancel requested
            </span>
          ) : null}
        </Fact>
      </dl>
      {options.length > 0 ? (
        <dl
          className="mt-4 grid gap-x-6 gap-y-1 border-t border-slate-200 pt-4 text-xs sm:grid-cols-[max-content_1fr] dark:border-slate-800"
          data-testid="job-params"
        >
          {options.map(([name, value]) => (
            <div key={name} className="contents">
              <dt className="font-medium text-slate-500 dark:text-slate-400">{name}</dt>
              <dd className="font-mono break-all text-slate-800 dark:text-slate-200">{value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {label}
      </dt>
      <dd className="mt-0.5 text-slate-800 dark:text-slate-200">{children}</dd>
    </div>
  );
}
