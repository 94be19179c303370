import { useQuery } from "@tanstack/react-query";
import { LayoutDashboard } from "lucide-react";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { JobsTable } from "../jobs/JobsTable";
import { AttentionList, needsAttention } from "./AttentionList";
import { RepositoriesOverview } from "./RepositoriesOverview";
import { StatCard } from "./StatCard";

const REFRESH_MS = 10_000;
const DAY_MS = 86_400_000;
/** The most jobs one count asks for; beyond it the figure reads "200+". */
const COUNT_LIMIT = 200;

function countLabel(page: { items: unknown[]; nextCursor?: string | undefined } | undefined) {
  if (!page) return "…";
  return page.nextCursor ? `${COUNT_LIMIT}+` : String(page.items.length);
}

export function DashboardPage() {
  const trpc = useTRPC();
  const [since] = useState(() => new Date(Date.now() - DAY_MS));
  const refresh = { refetchInterval: REFRESH_MS };
  const hosts = useQuery(trpc.hosts.list.queryOptions(undefined, refresh));
  const running = useQuery(
    trpc.jobs.list.queryOptions({ state: "running", limit: COUNT_LIMIT }, refresh),
  );
  const failed = useQuery(
    trpc.jobs.list.queryOptions({ state: "failed", from: since, limit: COUNT_LIMIT }, refresh),
  );
  const latest = useQuery(trpc.jobs.list.queryOptions({ limit: 5 }, refresh));
  const repositories = useQuery(trpc.repositories.list.queryOptions(undefined, refresh));
  const error = hosts.error ?? running.error ?? failed.error ?? latest.error ?? repositories.error;

  const active = (hosts.data ?? []).filter((host) => host.revokedAt === null);
  const online = active.filter((host) => host.online).length;
  const attention = active.filter((host) => needsAttention(host, Date.now()));

  return (
    <div data-testid="page-dashboard" className="space-y-6">
      <PageHeader title="Dashboard" description="Fleet status at a glance." />
      {error ? <Alert tone="error">{describeError(error).message}</Alert> : null}
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
              value={countLabel(running.data)}
              tone="accent"
              to="/jobs?state=running"
              data-testid="stat-running"
            />
            <StatCard
              label="Failed in 24 h"
              value={countLabel(failed.data)}
              tone={failed.data?.items.length ? "danger" : "neutral"}
              to="/jobs?state=failed"
              data-testid="stat-failed"
            />
          </div>
          <AttentionList hosts={attention} />
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
