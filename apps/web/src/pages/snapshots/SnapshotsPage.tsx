import { QUERY_LIMITS } from "@restic-manager/contracts";
import { useQuery } from "@tanstack/react-query";
import { Camera, GitCompare } from "lucide-react";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { formatCountOf } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { snapshotFiltersFromSearch, snapshotFiltersToSearch, toSnapshotsInput } from "./filters";
import { ReadBy } from "./ReadBy";
import { SnapshotCompare } from "./SnapshotCompare";
import { SnapshotFilters } from "./SnapshotFilters";
import { SnapshotTable } from "./SnapshotTable";
import { olderFirst } from "./snapshotFacts";

export function SnapshotsPage() {
  const { id = "" } = useParams();
  const trpc = useTRPC();
  const [search, setSearch] = useSearchParams();
  const filters = snapshotFiltersFromSearch(search);
  const filtered = Object.keys(snapshotFiltersToSearch(filters)).length > 0;
  const repository = useQuery(trpc.repositories.get.queryOptions({ id }));
  const list = useQuery(trpc.snapshots.list.queryOptions(toSnapshotsInput(id, filters)));
  const snapshots = list.data?.snapshots ?? [];
  const [picked, setPicked] = useState<string[]>([]);
  const [comparing, setComparing] = useState<[string, string]>();
  const pickedSnapshots = snapshots.filter((s) => picked.includes(s.id));
  const compared = comparing ? snapshots.filter((s) => comparing.includes(s.id)) : [];

  const pick = (snapshotId: string, on: boolean) =>
    setPicked((current) =>
      on ? [...current, snapshotId].slice(-2) : current.filter((p) => p !== snapshotId),
    );

  return (
    <div data-testid="page-snapshots" className="space-y-4">
      <PageHeader
        title={repository.data ? `Snapshots of ${repository.data.name}` : "Snapshots"}
        description={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <Link
              to={`/repositories/${id}`}
              className="text-teal-700 hover:underline dark:text-teal-300"
            >
              Back to the repository
            </Link>
            {list.data ? <ReadBy reader={list.data.reader} /> : null}
          </span>
        }
      />
      <SnapshotFilters
        key={search.toString()}
        repositoryId={id}
        initial={filters}
        onApply={(values) => {
          setPicked([]);
          setComparing(undefined);
          setSearch(snapshotFiltersToSearch(values));
        }}
      />
      <QueryStatus
        query={list}
        loading="Asking an agent that can reach the repository for its snapshots…"
      />
      {list.data?.truncated ? (
        <Alert tone="info">
          Showing the newest {QUERY_LIMITS.maxSnapshots} snapshots: narrow the filters to see older
          ones.
        </Alert>
      ) : null}
      {list.data && snapshots.length === 0 && filtered ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="snapshots-empty">
          No snapshots match these filters.
        </p>
      ) : null}
      {list.data && snapshots.length === 0 && !filtered ? (
        <EmptyState icon={Camera} title="No snapshots yet">
          Each backup into this repository makes a snapshot. Once there are some, they are listed
          here to browse, compare and restore from.
        </EmptyState>
      ) : null}
      {snapshots.length > 0 ? (
        <>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="snapshots-count">
              {formatCountOf(snapshots.length, "snapshot")}. Open one to browse its files and
              restore them; tick two to compare them.
            </p>
            <Button
              data-testid="snapshots-compare"
              disabled={pickedSnapshots.length !== 2}
              onClick={() => {
                const [a, b] = picked;
                if (a && b) setComparing([a, b]);
              }}
            >
              <GitCompare className="size-4" aria-hidden />
              Compare
            </Button>
          </div>
          {compared.length === 2 && compared[0] && compared[1] ? (
            <SnapshotCompare
              key={compared.map((s) => s.id).join("..")}
              repositoryId={id}
              {...olderFirst(compared[0], compared[1])}
              onClose={() => setComparing(undefined)}
            />
          ) : null}
          <SnapshotTable repositoryId={id} snapshots={snapshots} picked={picked} onPick={pick} />
        </>
      ) : null}
    </div>
  );
}
