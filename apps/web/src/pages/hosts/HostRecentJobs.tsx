import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Card } from "../../components/ui/Card";
import { useTRPC } from "../../lib/trpc";
import { JobsTable } from "../jobs/JobsTable";

export function HostRecentJobs({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.jobs.list.queryOptions({ hostId, limit: 10 }));
  const items = jobs.data?.items ?? [];

  return (
    <section className="space-y-3" data-testid="host-jobs">
      <div className="flex items-baseline justify-between gap-4">
        <h2 className="text-base font-semibold text-slate-900 dark:text-white">Recent jobs</h2>
        {items.length > 0 ? (
          <Link
            to={`/jobs?host=${hostId}`}
            className="text-sm text-teal-700 hover:underline dark:text-teal-300"
          >
            All jobs of this host
          </Link>
        ) : null}
      </div>
      <QueryStatus query={jobs} loading="Loading jobs…" />
      {jobs.data && items.length === 0 ? (
        <Card>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            No jobs have run on this host yet.
          </p>
        </Card>
      ) : null}
      {items.length > 0 ? <JobsTable jobs={items} showHost={false} /> : null}
    </section>
  );
}
