import { useInfiniteQuery } from "@tanstack/react-query";
import { Plus, Server } from "lucide-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AddHostDialog } from "./AddHostDialog";
import { EnrollmentsCard } from "./EnrollmentsCard";
import {
  HostFilters,
  hostFiltersFromSearch,
  hostFiltersToSearch,
  toHostsInput,
} from "./HostFilters";
import { HostsTable } from "./HostsTable";

/**
 * One page of hosts at a time, filtered by the server. Online flags follow the fleet event
 * stream (see useFleetEvents); nothing here refetches on a timer.
 */
export function HostsPage() {
  const trpc = useTRPC();
  const isAdmin = useRoleAtLeast("admin");
  const [search, setSearch] = useSearchParams();
  const filters = hostFiltersFromSearch(search);
  const filtered = Object.keys(hostFiltersToSearch(filters)).length > 0;
  const hosts = useInfiniteQuery(
    trpc.hosts.list.infiniteQueryOptions(toHostsInput(filters), {
      getNextPageParam: (page) => page.nextCursor,
    }),
  );
  const items = hosts.data?.pages.flatMap((page) => page.items) ?? [];
  const [adding, setAdding] = useState(false);

  return (
    <div data-testid="page-hosts" className="space-y-6">
      <PageHeader
        title="Hosts"
        description="The endpoints whose files you back up."
        actions={
          isAdmin ? (
            <Button variant="primary" data-testid="add-host" onClick={() => setAdding(true)}>
              <Plus className="size-4" aria-hidden />
              Add host
            </Button>
          ) : null
        }
      />
      {filtered || (hosts.data && items.length > 0) ? (
        <HostFilters
          key={search.toString()}
          initial={filters}
          onApply={(values) => setSearch(hostFiltersToSearch(values))}
        />
      ) : null}
      <QueryStatus query={hosts} loading="Loading hosts…" />
      {hosts.data && items.length === 0 && filtered ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="hosts-empty">
          No hosts match these filters.
        </p>
      ) : null}
      {hosts.data && items.length === 0 && !filtered ? (
        <EmptyState icon={Server} title="No hosts enrolled">
          {isAdmin
            ? "Choose “Add host” to get a one-line install command, then run it on the endpoint. The host appears here once its agent connects, with its status, OS, agent and restic versions and its last backup."
            : "An admin adds hosts by running a one-line install command on each endpoint. They appear here with their status, OS, agent and restic versions and their last backup."}
        </EmptyState>
      ) : null}
      {items.length > 0 ? <HostsTable hosts={items} /> : null}
      {hosts.hasNextPage ? (
        <div className="flex justify-center">
          <Button
            data-testid="hosts-load-more"
            disabled={hosts.isFetchingNextPage}
            onClick={() => void hosts.fetchNextPage()}
          >
            {hosts.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
      {isAdmin ? <EnrollmentsCard /> : null}
      {isAdmin ? <AddHostDialog open={adding} onClose={() => setAdding(false)} /> : null}
    </div>
  );
}
