import { useInfiniteQuery } from "@tanstack/react-query";
import { Camera, History } from "lucide-react";
import { Link } from "react-router";
import { LoadMoreButton } from "../components/LoadMoreButton";
import { QueryStatus } from "../components/QueryStatus";
import { buttonClass } from "../components/ui/Button";
import { EmptyState } from "../components/ui/EmptyState";
import { PageHeader } from "../components/ui/PageHeader";
import { Table, Td, Th } from "../components/ui/Table";
import { useTRPC } from "../lib/trpc";

/** Restores start from a snapshot: this page leads to each repository's snapshots. */
export function RestorePage() {
  const trpc = useTRPC();
  const repositories = useInfiniteQuery(
    trpc.repositories.list.infiniteQueryOptions(
      { limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const ready = (repositories.data?.pages ?? [])
    .flatMap((page) => page.items)
    .filter((r) => r.status === "ready");

  return (
    <div data-testid="page-restore">
      <PageHeader
        title="Restore"
        description="Get files back from a snapshot: pick the repository, open a snapshot, tick what to restore and say where it goes."
      />
      <QueryStatus query={repositories} loading="Loading repositories…" />
      {repositories.data && ready.length === 0 && !repositories.hasNextPage ? (
        <EmptyState icon={History} title="Nothing to restore from yet">
          Once a repository holds snapshots, open it here to browse its files and restore them to
          their original place or a new one.
        </EmptyState>
      ) : null}
      {ready.length > 0 ? (
        <Table data-testid="restore-repositories">
          <thead>
            <tr>
              <Th>Repository</Th>
              <Th className="text-right">Snapshots</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
            {ready.map((repository) => (
              <tr key={repository.id} data-testid="restore-repository-row">
                <Td className="font-medium text-slate-900 dark:text-white">{repository.name}</Td>
                <Td className="text-right">
                  <Link
                    to={`/repositories/${repository.id}/snapshots`}
                    className={buttonClass("secondary", "sm")}
                    data-testid="restore-repository-open"
                  >
                    <Camera className="size-3.5" aria-hidden />
                    Browse snapshots
                  </Link>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      <LoadMoreButton query={repositories} data-testid="restore-repositories-load-more" />
    </div>
  );
}
