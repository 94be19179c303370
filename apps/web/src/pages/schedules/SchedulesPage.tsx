import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { CalendarClock, Plus } from "lucide-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import type { ScheduleListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { scheduleFiltersFromSearch, scheduleFiltersToSearch, toSchedulesInput } from "./filters";
import { ScheduleDialog } from "./ScheduleDialog";
import { ScheduleFilters } from "./ScheduleFilters";
import { SchedulesTable } from "./SchedulesTable";

type Editing = { schedule?: ScheduleListItem } | undefined;

export function SchedulesPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isAdmin = useRoleAtLeast("admin");
  const [search, setSearch] = useSearchParams();
  const filters = scheduleFiltersFromSearch(search);
  const filtered = Object.keys(scheduleFiltersToSearch(filters)).length > 0;
  const schedules = useInfiniteQuery(
    trpc.schedules.list.infiniteQueryOptions(toSchedulesInput(filters), {
      getNextPageParam: (page) => page.nextCursor,
    }),
  );
  const items = schedules.data?.pages.flatMap((page) => page.items) ?? [];
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<ScheduleListItem>();
  const remove = useMutation(
    trpc.schedules.remove.mutationOptions({
      onSuccess: () => {
        setDeleting(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.schedules.pathKey() });
      },
    }),
  );

  return (
    <div data-testid="page-schedules">
      <PageHeader
        title="Schedules"
        description="When backups, forgets, prunes and checks run. Each host's agent keeps its schedules and runs them on time, even while the server is away."
        actions={
          isAdmin ? (
            <Button variant="primary" data-testid="new-schedule" onClick={() => setEditing({})}>
              <Plus className="size-4" aria-hidden />
              New schedule
            </Button>
          ) : null
        }
      />
      <ScheduleFilters
        key={search.toString()}
        initial={filters}
        onApply={(values) => setSearch(scheduleFiltersToSearch(values))}
      />
      <QueryStatus query={schedules} loading="Loading schedules…" />
      {schedules.data && items.length === 0 && filtered ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="schedules-empty">
          No schedules match these filters.
        </p>
      ) : null}
      {schedules.data && items.length === 0 && !filtered ? (
        <EmptyState icon={CalendarClock} title="No schedules yet">
          Schedules run a backup set's backups and retention, and each repository's prunes and
          checks, at the times you choose. Create one with “New schedule”.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <SchedulesTable
          schedules={items}
          onEdit={isAdmin ? (schedule) => setEditing({ schedule }) : undefined}
          onDelete={isAdmin ? setDeleting : undefined}
        />
      ) : null}
      {schedules.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button
            data-testid="schedules-load-more"
            disabled={schedules.isFetchingNextPage}
            onClick={() => void schedules.fetchNextPage()}
          >
            {schedules.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
      {editing ? (
        <ScheduleDialog schedule={editing.schedule} onClose={() => setEditing(undefined)} />
      ) : null}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete this ${deleting?.kind ?? ""} schedule?`}
        confirmLabel="Delete schedule"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        onClose={() => {
          setDeleting(undefined);
          remove.reset();
        }}
      >
        {deleting?.description} for “{deleting?.backupSetName ?? deleting?.repositoryName}” stops:
        its host's agent forgets it. The jobs it ran keep their history.
      </ConfirmDialog>
    </div>
  );
}
