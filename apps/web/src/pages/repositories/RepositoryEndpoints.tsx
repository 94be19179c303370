import type { ReactNode } from "react";
import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import type { RepositoryDetail } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** Where hosts reach the repository, and who may maintain it; secrets only as "stored". */
export function RepositoryEndpoints({ repository }: { repository: RepositoryDetail }) {
  return (
    <Card title="Endpoints" data-testid="repo-endpoints">
      <dl className="grid gap-x-6 gap-y-4 text-sm sm:grid-cols-2">
        <Fact label="Backup endpoint">
          <span className="font-mono text-xs break-all" data-testid="repo-backup-endpoint">
            {repository.displayUrl}
          </span>
          <span className="block text-xs text-slate-500 dark:text-slate-400">
            Every host but the maintenance host; append-only on rest-server.
          </span>
        </Fact>
        <Fact label="Maintenance endpoint">
          {repository.maintenanceDisplayUrl ? (
            <>
              <span className="font-mono text-xs break-all" data-testid="repo-maintenance-endpoint">
                {repository.maintenanceDisplayUrl}
              </span>
              <span className="block text-xs text-slate-500 dark:text-slate-400">
                Only{" "}
                {repository.maintenanceHostId ? (
                  <Link to={`/hosts/${repository.maintenanceHostId}`} className={LINK}>
                    {repository.maintenanceHostName}
                  </Link>
                ) : (
                  "the maintenance host"
                )}
                , for forget, prune and unlock.
              </span>
            </>
          ) : (
            <span className="text-slate-500 dark:text-slate-400">
              None: forget, prune and unlock cannot run.
            </span>
          )}
        </Fact>
        <Fact label="Stored secrets">
          <span className="flex flex-wrap gap-1.5">
            <Badge>password</Badge>
            {repository.hasEnv ? <Badge>backup variables</Badge> : null}
            {repository.hasMaintenanceEnv ? <Badge>maintenance variables</Badge> : null}
          </span>
        </Fact>
        <Fact label="restic repository id">
          <span className="font-mono text-xs break-all" data-testid="repo-restic-id">
            {repository.resticId ?? "—"}
          </span>
          <span className="block text-xs text-slate-500 dark:text-slate-400">
            Added {formatDateTime(repository.createdAt)}
          </span>
        </Fact>
      </dl>
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 space-y-0.5">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {label}
      </dt>
      <dd className="text-slate-800 dark:text-slate-200">{children}</dd>
    </div>
  );
}
