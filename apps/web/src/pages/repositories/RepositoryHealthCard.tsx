import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { Badge } from "../../components/ui/Badge";
import type { RepositoryDetail, RepositorySummary } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";
import { HealthFigures } from "./HealthFigures";
import { statusLabel } from "./health";
import { SnapshotHosts } from "./SnapshotHosts";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** A listed repository, or one read by itself (which names its first append-only hosts). */
type CardRepository = RepositorySummary & Partial<Pick<RepositoryDetail, "appendOnlyHosts">>;

/**
 * A repository's health at a glance: sizes and snapshots, the newest snapshot of each host,
 * the last check, locks (stale ones in warning colour), who maintains it and how fresh it all is.
 */
export function RepositoryHealthCard({
  repository,
  onItsPage = false,
}: {
  repository: CardRepository;
  /** On the repository's own page the card is headed "Health"; on the list, by its linked name. */
  onItsPage?: boolean;
}) {
  const status = statusLabel(repository.status);
  const ready = repository.status === "ready";
  return (
    <section
      data-testid="repository-card"
      data-repo-name={repository.name}
      data-status={repository.status}
      className="flex flex-col rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <header className="space-y-1 border-b border-slate-200 px-5 py-4 dark:border-slate-800">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-base font-semibold text-slate-900 dark:text-white">
            {onItsPage ? (
              "Health"
            ) : (
              <Link
                to={`/repositories/${repository.id}`}
                className={LINK}
                data-testid="repository-link"
              >
                {repository.name}
              </Link>
            )}
          </h2>
          <Badge tone={status.tone} data-testid="repo-status">
            {status.label}
          </Badge>
        </div>
        <p className="font-mono text-xs break-all text-slate-500 dark:text-slate-400">
          <span data-testid="repo-url">{repository.displayUrl}</span>
        </p>
      </header>
      <div className="flex-1 space-y-4 px-5 py-4">
        {ready ? null : (
          <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="repo-setting-up">
            A host is creating or opening this repository. Its health appears once it is ready.
          </p>
        )}
        {repository.healthError ? (
          <Alert
            tone="warning"
            title="The last health report failed"
            data-testid="repo-health-error"
          >
            <span className="break-words">{repository.healthError}</span>
          </Alert>
        ) : null}
        {ready ? <HealthFigures repository={repository} /> : null}
        <SnapshotHosts hosts={repository.hosts} total={repository.snapshotHostCount} />
      </div>
      <footer className="space-y-1 border-t border-slate-200 px-5 py-3 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
        <p data-testid="repo-maintenance-host">
          Maintenance:{" "}
          {repository.maintenanceHostId && repository.maintenanceHostName ? (
            <>
              <Link to={`/hosts/${repository.maintenanceHostId}`} className={LINK}>
                {repository.maintenanceHostName}
              </Link>{" "}
              forgets, prunes and unlocks
            </>
          ) : (
            "no host — forget, prune and unlock cannot run"
          )}
        </p>
        <p
          data-testid="repo-append-only"
          data-count={repository.appendOnlyHostCount}
          title={appendOnlyTitle(repository)}
        >
          {appendOnlyLine(repository.appendOnlyHostCount)}
        </p>
        <p data-testid="repo-health-at">
          {repository.healthAt ? (
            <>
              Health as of{" "}
              {repository.healthJobId ? (
                <Link to={`/jobs/${repository.healthJobId}`} className={LINK}>
                  {formatDateTime(repository.healthAt)}
                </Link>
              ) : (
                formatDateTime(repository.healthAt)
              )}
            </>
          ) : (
            "No health report yet"
          )}
        </p>
      </footer>
    </section>
  );
}

/** The first few of them by name, on the repository's own page (the list sends the count). */
function appendOnlyTitle(repository: CardRepository): string | undefined {
  const names = repository.appendOnlyHosts?.map((host) => host.name) ?? [];
  if (names.length === 0) return undefined;
  const more = repository.appendOnlyHostCount > names.length ? " and more" : "";
  return `${names.join(", ")}${more}`;
}

function appendOnlyLine(count: number): string {
  if (count === 0) return "No host backs up here with append-only access";
  return `${count} ${count === 1 ? "host backs" : "hosts back"} up here with append-only access`;
}
