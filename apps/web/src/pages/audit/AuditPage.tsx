import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { PageHeader } from "../../components/ui/PageHeader";
import { useTRPC } from "../../lib/trpc";
import { AuditFilters } from "./AuditFilters";
import { AuditTable } from "./AuditTable";
import { EMPTY_FILTERS, toAuditInput } from "./filters";

export function AuditPage() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState(EMPTY_FILTERS);
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(toAuditInput(filters), {
      getNextPageParam: (page) => page.nextCursor,
    }),
  );
  const entries = audit.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div data-testid="page-audit">
      <PageHeader
        title="Audit log"
        description="Every sign-in, account change and administrative action, newest first."
      />
      <AuditFilters onApply={setFilters} />
      <QueryStatus query={audit} />
      {audit.data && entries.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="audit-empty">
          No entries match these filters.
        </p>
      ) : null}
      {entries.length > 0 ? <AuditTable entries={entries} /> : null}
      {audit.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button
            data-testid="audit-load-more"
            disabled={audit.isFetchingNextPage}
            onClick={() => void audit.fetchNextPage()}
          >
            {audit.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
