import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { ProgressBar } from "../../components/ui/ProgressBar";
import { Table, Td, Th } from "../../components/ui/Table";
import type { JobListItem } from "../../lib/api-types";
import { formatDateTime, formatDuration, secondsBetween, toPercent } from "../../lib/format";
import { parseProgress } from "../../lib/jobs";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

export function JobsTable({ jobs, showHost = true }: { jobs: JobListItem[]; showHost?: boolean }) {
  return (
    <Table data-testid="jobs-table">
      <thead>
        <tr>
          <Th>State</Th>
          <Th>Kind</Th>
          {showHost ? <Th>Host</Th> : null}
          <Th>Repository</Th>
          <Th>Created by</Th>
          <Th>Started</Th>
          <Th>Duration</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {jobs.map((job) => (
          <tr key={job.id} data-testid="job-row" data-kind={job.kind} data-state={job.state}>
            <Td className="whitespace-nowrap">
              <JobStateBadge state={job.state} />
              <RowProgress job={job} />
            </Td>
            <Td className="whitespace-nowrap">
              <Link to={`/jobs/${job.id}`} className={`font-medium ${LINK}`} data-testid="job-link">
                {job.kind}
              </Link>
            </Td>
            {showHost ? (
              <Td className="whitespace-nowrap">
                <Link to={`/hosts/${job.hostId}`} className={LINK}>
                  {job.hostName}
                </Link>
              </Td>
            ) : null}
            <Td className="whitespace-nowrap">{job.repositoryName ?? "—"}</Td>
            <Td className="whitespace-nowrap">
              {job.createdByName ?? "—"}
              <span className="block text-xs text-slate-500">{job.createdByType}</span>
            </Td>
            <Td className="whitespace-nowrap">
              {job.startedAt ? formatDateTime(job.startedAt) : "not yet"}
            </Td>
            <Td className="whitespace-nowrap">
              {job.startedAt ? formatDuration(secondsBetween(job.startedAt, job.finishedAt)) : "—"}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function RowProgress({ job }: { job: JobListItem }) {
  const progress = job.state === "running" ? parseProgress(job.progress) : undefined;
  if (!progress) return null;
  const percent = toPercent(progress.percentDone);
  return (
    <div className="mt-1.5 w-20" title={`${percent} %`}>
      <ProgressBar percent={percent} label={`${job.kind} progress`} size="sm" />
    </div>
  );
}
