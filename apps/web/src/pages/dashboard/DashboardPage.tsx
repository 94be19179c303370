import { useQuery } from "@tanstack/react-query";
import { LayoutDashboard } from "lucide-react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { JobsTable } from "../jobs/JobsTable";
import { AttentionList } from "./AttentionList";
import { MissedRuns } from "./MissedRuns";
import { OpenAlerts } from "./OpenAlerts";
import { RepositoriesOverview } from "./RepositoriesOverview";
import { RestoreDrills } from "./RestoreDrills";
import { StatCard } from "./StatCard";

/**
 * One call, `dashboard.summary`, whose size does not grow with the fleet. The fleet event
 * stream has it read again when hosts come and go, jobs start and end, and alerts change.
 */
export function DashboardPage() {
  const trpc = useTRPC();
  const summary = useQuery(trpc.dashboard.summary.queryOptions());
  const data = summary.data;
  const figure = (value: number | undefined) => (value === undefined ? "…" : String(value));

  return (
    <div data-testid="page-dashboard" className="space-y-6">
      <PageHeader title="Dashboard" description="Fleet status at a glance." />
      {summary.error ? <Alert tone="error">{describeError(summary.error).message}</Alert> : null}
      {data ? <OpenAlerts alerts={data.alerts} /> : null}
      {data && data.hosts.total === 0 ? (
        <EmptyState icon={LayoutDashboard} title="Nothing to summarise yet">
          Once hosts are enrolled and backing up, this page shows how many are online, the jobs
          running and failing, and the hosts whose backups need attention.
        </EmptyState>
      ) : (
        <>
          <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            <StatCard
              label="Hosts online"
              value={figure(data?.hosts.online)}
              tone="success"
              to="/hosts"
              data-testid="stat-online"
            />
            <StatCard
              label="Hosts offline"
              value={figure(data?.hosts.offline)}
              tone={data?.hosts.offline ? "warning" : "neutral"}
              to="/hosts"
              data-testid="stat-offline"
            />
            <StatCard
              label="Jobs running"
              value={figure(data?.jobs.running)}
              tone="accent"
              to="/jobs?state=running"
              data-testid="stat-running"
            />
            <StatCard
              label="Failed in 24 h"
              value={figure(data?.jobs.failedLastDay)}
              tone={data?.jobs.failedLastDay ? "danger" : "neutral"}
              to="/jobs?state=failed"
              data-testid="stat-failed"
            />
          </div>
          {data ? (
            <>
              <AttentionList attention={data.attention} />
              <MissedRuns items={data.missedRuns} />
              <RestoreDrills drills={data.drills} />
              {data.repositories.items.length > 0 ? (
                <RepositoriesOverview overview={data.repositories} />
              ) : null}
              {data.latestJobs.length > 0 ? (
                <section className="space-y-3">
                  <div className="flex items-baseline justify-between gap-4">
                    <h2 className="text-base font-semibold text-slate-900 dark:text-white">
                      Latest jobs
                    </h2>
                    <Link
                      to="/jobs"
                      className="text-sm text-teal-700 hover:underline dark:text-teal-300"
                    >
                      All jobs
                    </Link>
                  </div>
                  <JobsTable jobs={data.latestJobs} />
                </section>
              ) : null}
            </>
          ) : null}
        </>
      )}
    </div>
  );
}
