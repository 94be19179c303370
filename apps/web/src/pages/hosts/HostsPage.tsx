import { useInfiniteQuery } from "@tanstack/react-query";
import { Plus, Server } from "lucide-react";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AddHostDialog } from "./AddHostDialog";
import { EnrollmentsCard } from "./EnrollmentsCard";
import { HostsTable } from "./HostsTable";

/** Online flags change as agents come and go; the list follows them at this pace. */
const REFRESH_MS = 5000;

export function HostsPage() {
  const trpc = useTRPC();
  const isAdmin = useRoleAtLeast("admin");
  const hosts = useInfiniteQuery(
    trpc.hosts.list.infiniteQueryOptions(
      {},
      { getNextPageParam: (page) => page.nextCursor, refetchInterval: REFRESH_MS },
    ),
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
      <QueryStatus query={hosts} loading="Loading hosts…" />
      {hosts.data && items.length === 0 ? (
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
