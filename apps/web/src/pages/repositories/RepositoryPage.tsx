import { useQuery } from "@tanstack/react-query";
import { Camera } from "lucide-react";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { Alert } from "../../components/ui/Alert";
import { buttonClass } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { BackupSetsTable } from "../backupSets/BackupSetsTable";
import { useBackupSetPages } from "../backupSets/useBackupSetPages";
import { LocksResult } from "../jobs/results/RepositoryResults";
import { type HealthRefresh, HealthRefreshStatus } from "./HealthRefreshStatus";
import { RepositoryActions } from "./RepositoryActions";
import { RepositoryChecksCard } from "./RepositoryChecksCard";
import { RepositoryEndpoints } from "./RepositoryEndpoints";
import { RepositoryHealthCard } from "./RepositoryHealthCard";
import { SizeHistoryCard } from "./SizeHistoryCard";

export function RepositoryPage() {
  const { id = "" } = useParams();
  // Another repository starts with no refresh of its own on show.
  return <RepositoryView key={id} id={id} />;
}

function RepositoryView({ id }: { id: string }) {
  const trpc = useTRPC();
  const [refresh, setRefresh] = useState<HealthRefresh>();
  const repository = useQuery(trpc.repositories.get.queryOptions({ id }));
  const { query: sets, items: setItems } = useBackupSetPages({ repositoryId: id });

  if (repository.error) {
    return (
      <div data-testid="page-repository" className="space-y-4">
        <Alert tone="error">{describeError(repository.error).message}</Alert>
        <Link to="/repositories" className="text-sm text-teal-700 underline dark:text-teal-300">
          Back to repositories
        </Link>
      </div>
    );
  }
  if (!repository.data) return <p className="text-sm text-slate-500">Loading repository…</p>;
  const data = repository.data;

  return (
    <div data-testid="page-repository" className="space-y-6">
      <PageHeader
        title={data.name}
        description={
          <Link to="/repositories" className="text-teal-700 hover:underline dark:text-teal-300">
            All repositories
          </Link>
        }
        actions={
          <>
            <Link
              to={`/repositories/${data.id}/snapshots`}
              className={buttonClass()}
              data-testid="repo-snapshots-link"
            >
              <Camera className="size-4" aria-hidden />
              Snapshots
            </Link>
            <RepositoryActions repository={data} onRefresh={setRefresh} />
          </>
        }
      />
      {refresh ? <HealthRefreshStatus refresh={refresh} /> : null}
      <RepositoryHealthCard repository={data} onItsPage />
      <SizeHistoryCard history={data.history} />
      <RepositoryChecksCard repositoryId={data.id} />
      <Card
        title="Locks"
        description="Held by restic while it works. A stale lock is left by a process that died: unlock removes it, on the maintenance host."
        data-testid="repo-locks-card"
      >
        <LocksResult result={{ kind: "list-locks", locks: data.locks }} />
      </Card>
      <Card
        title="Backup sets"
        description="What hosts back up into this repository. Sets are created and edited on their host's page."
        data-testid="repo-backup-sets"
      >
        {sets.error ? <Alert tone="error">{describeError(sets.error).message}</Alert> : null}
        {setItems?.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">
            No backup set uses this repository yet.
          </p>
        ) : null}
        {setItems && setItems.length > 0 ? <BackupSetsTable sets={setItems} other="host" /> : null}
        <LoadMoreButton query={sets} data-testid="backup-sets-load-more" />
      </Card>
      <RepositoryEndpoints repository={data} />
    </div>
  );
}
