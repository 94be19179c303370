import { useQuery } from "@tanstack/react-query";
import { LayoutDashboard } from "lucide-react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { JobsTable } from "../jobs/JobsTable";
import { AttentionList, needsAttention } from "./AttentionList";
import { MissedRuns } from "./MissedRuns";
import { OpenAlerts } from "./OpenAlerts";
import { RepositoriesOverview } from "./RepositoriesOverview";
import { RestoreDrills } from "./RestoreDrills";
import { StatCard } from "./StatCard";

export function DashboardPage() {
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions({ limit: 200 }));
  const summary = useQuery(trpc.jobs.summary.queryOptions(undefined));
  const latest = useQuery(trpc.jobs.list.queryOptions({ limit: 5 }));
  const repositories = useQuery(trpc.repositories.list.queryOptions(undefined));
  const error = hosts.error ?? summary.error ?? latest.error ?? repositories.error;

  const active = (hosts.data?.items ?? []).filter((host) => host.revokedAt === null);
  const online = active.filter((host) => host.online).length;
  const attention = active.filter((host) => needsAttention(host, Date.now()));

  return (
    <div data-testid="page-dashboard" className="space-y-6">
      <PageHeader title="Dashboard" description="Fleet status at a glance." />
      {error ? <Alert tone="error">{describeError(error).message}</Alert> : null}
      <OpenAlerts />
      {hosts.data && active.length === 0 ? (
        <EmptyState icon={LayoutDashboard} title="Nothing to summarise yet">
          Once hosts are enrolled and backing up, this page shows how many are online, the jobs
          running and failing, and the hosts whose backups need attention.
        </EmptyState>
      ) : (
        <>
          <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            <StatCard
              label="Hosts online"
              value={hosts.data ? String(online) : "…"}
              tone="success"
              to="/hosts"
              data-testid="stat-online"
            />
            <StatCard
              label="Hosts offline"
              value={hosts.data ? String(active.length - online) : "…"}
              tone={active.length - online > 0 ? "warning" : "neutral"}
              to="/hosts"
              data-testid="stat-offline"
            />
            <StatCard
              label="Jobs running"
              value={summary.data ? String(summary.data.running) : "…"}
              tone="accent"
              to="/jobs?state=running"
              data-testid="stat-running"
            />
            <StatCard
              label="Failed in 24 h"
              value={summary.data ? String(summary.data.failedLastDay) : "…"}
              tone={summary.data?.failedLastDay ? "danger" : "neutral"}
              to="/jobs?state=failed"
              data-testid="stat-failed"
            />
          </div>
          <AttentionList hosts={attention} />
          <MissedRuns />
          <RestoreDrills />
          {repositories.data && repositories.data.length > 0 ? (
            <RepositoriesOverview repositories={repositories.data} />
          ) : null}
          {latest.data && latest.data.items.length > 0 ? (
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
              <JobsTable jobs={latest.data.items} />
            </section>
          ) : null}
        </>
      )}
    </div>
  );
}
