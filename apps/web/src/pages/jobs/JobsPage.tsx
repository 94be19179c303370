import { useInfiniteQuery } from "@tanstack/react-query";
import { ListChecks } from "lucide-react";
import { useSearchParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { useTRPC } from "../../lib/trpc";
import { filtersFromSearch, filtersToSearch, toJobsInput } from "./filters";
import { JobFilters } from "./JobFilters";
import { JobsTable } from "./JobsTable";

export function JobsPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const filtered = Object.keys(filtersToSearch(filters)).length > 0;
  const jobs = useInfiniteQuery(
    trpc.jobs.list.infiniteQueryOptions(toJobsInput(filters), {
      getNextPageParam: (page) => page.nextCursor,
    }),
  );
  const items = jobs.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div data-testid="page-jobs">
      <PageHeader title="Jobs" description="Every restic operation the fleet runs, newest first." />
      <JobFilters
        key={search.toString()}
        initial={filters}
        onApply={(values) => setSearch(filtersToSearch(values))}
      />
      <QueryStatus query={jobs} />
      {jobs.data && items.length === 0 && filtered ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="jobs-empty">
          No jobs match these filters.
        </p>
      ) : null}
      {jobs.data && items.length === 0 && !filtered ? (
        <EmptyState icon={ListChecks} title="No jobs yet">
          Backups, restores, checks, prunes and every other restic run appear here with their
          status, live progress, who started them and their log. Start one from a host's page.
        </EmptyState>
      ) : null}
      {items.length > 0 ? <JobsTable jobs={items} /> : null}
      {jobs.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button
            data-testid="jobs-load-more"
            disabled={jobs.isFetchingNextPage}
            onClick={() => void jobs.fetchNextPage()}
          >
            {jobs.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
