import { ShieldCheck } from "lucide-react";
import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import { Table, Td, Th } from "../../components/ui/Table";
import type { DashboardSummary } from "../../lib/api-types";
import { formatAge, formatBytes, formatCount, formatDateTime } from "../../lib/format";
import { CHECK_TONES, checkState, repositoryDedup, statusLabel } from "../repositories/health";

type Overview = DashboardSummary["repositories"];
type RepositoryRow = Overview["items"][number];

/**
 * The first repositories' health in one row each, and the hosts that back up with append-only
 * access while maintaining no repository (both chosen by the server, the first few by name).
 */
export function RepositoriesOverview({ overview }: { overview: Overview }) {
  const repositories = overview.items;
  const appendOnly = overview.appendOnlyHosts.items.map((host) => host.name);
  const moreAppendOnly = overview.appendOnlyHosts.more ? " and more" : "";
  return (
    <section className="space-y-3" data-testid="dashboard-repositories">
      <div className="flex items-baseline justify-between gap-4">
        <h2 className="text-base font-semibold text-slate-900 dark:text-white">Repositories</h2>
        <Link
          to="/repositories"
          className="text-sm text-teal-700 hover:underline dark:text-teal-300"
        >
          {overview.total > repositories.length
            ? `All ${overview.total} repositories`
            : "All repositories"}
        </Link>
      </div>
      <Table data-testid="dashboard-repositories-table">
        <thead>
          <tr>
            <Th>Repository</Th>
            <Th>Size (stored)</Th>
            <Th>Dedup</Th>
            <Th>Snapshots</Th>
            <Th>Last check</Th>
            <Th>Stale locks</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {repositories.map((repository) => (
            <Row key={repository.id} repository={repository} />
          ))}
        </tbody>
      </Table>
      <p
        className="flex items-start gap-2 text-sm text-slate-600 dark:text-slate-300"
        data-testid="dashboard-append-only"
      >
        <ShieldCheck className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
        {appendOnly.length > 0 ? (
          <span>
            Hosts with append-only access only:{" "}
            <strong className="font-medium">{appendOnly.join(", ")}</strong>
            {moreAppendOnly}. They can add backups but not delete them.
          </span>
        ) : (
          <span>No host is limited to append-only access.</span>
        )}
      </p>
    </section>
  );
}

function Row({ repository }: { repository: RepositoryRow }) {
  const status = statusLabel(repository.status);
  const check = checkState(repository);
  return (
    <tr data-testid="dashboard-repository-row" data-repo-name={repository.name}>
      <Td className="whitespace-nowrap">
        <Link
          to={`/repositories/${repository.id}`}
          className="font-medium text-teal-700 hover:underline dark:text-teal-300"
        >
          {repository.name}
        </Link>
        {repository.status === "ready" ? null : (
          <span className="ml-2">
            <Badge tone={status.tone}>{status.label}</Badge>
          </span>
        )}
      </Td>
      <Td className="whitespace-nowrap tabular-nums" data-testid="dashboard-repo-size">
        {formatBytes(repository.totalSize)}
        {repository.rawSize === null ? null : (
          <span className="text-slate-500 dark:text-slate-400">
            {" "}
            ({formatBytes(repository.rawSize)})
          </span>
        )}
      </Td>
      <Td className="tabular-nums" data-testid="dashboard-repo-dedup">
        {repositoryDedup(repository)}
      </Td>
      <Td className="tabular-nums" data-testid="dashboard-repo-snapshots">
        {formatCount(repository.snapshotCount)}
      </Td>
      <Td className="whitespace-nowrap" data-testid="dashboard-repo-check" data-check={check}>
        <span className="inline-flex items-center gap-1.5">
          <Badge tone={CHECK_TONES[check]}>{check}</Badge>
          {repository.lastCheckAt ? (
            <span
              className="text-xs text-slate-500 dark:text-slate-400"
              title={formatDateTime(repository.lastCheckAt)}
            >
              {formatAge(repository.lastCheckAt)}
            </span>
          ) : null}
        </span>
      </Td>
      <Td data-testid="dashboard-repo-stale-locks">
        {repository.staleLocks > 0 ? (
          <Badge tone="warning">{repository.staleLocks}</Badge>
        ) : (
          <span className="text-slate-500 dark:text-slate-400">none</span>
        )}
      </Td>
    </tr>
  );
}
