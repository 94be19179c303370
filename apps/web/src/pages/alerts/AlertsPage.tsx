import { useInfiniteQuery } from "@tanstack/react-query";
import { BellOff } from "lucide-react";
import { useState } from "react";
import { NavLink, useSearchParams } from "react-router";
import { QueryStatus } from "../../components/QueryStatus";
import { Button } from "../../components/ui/Button";
import { EmptyState } from "../../components/ui/EmptyState";
import { PageHeader } from "../../components/ui/PageHeader";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { AlertFilters } from "./AlertFilters";
import { AlertsTable } from "./AlertsTable";
import { BulkActions } from "./BulkActions";
import {
  ALERT_TABS,
  alertFiltersFromSearch,
  alertSearch,
  alertTabFromSearch,
  toAlertsInput,
} from "./filters";

export function AlertsPage() {
  const trpc = useTRPC();
  const canOperate = useRoleAtLeast("operator");
  const [search, setSearch] = useSearchParams();
  const tab = alertTabFromSearch(search);
  const filters = alertFiltersFromSearch(search);
  const filtered = Object.values(filters).some((value) => value !== "");
  const alerts = useInfiniteQuery(
    trpc.alerts.list.infiniteQueryOptions(toAlertsInput(tab, filters), {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );
  const items = alerts.data?.pages.flatMap((page) => page.items) ?? [];
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // Only what is on screen can be acted on: a tick on an alert that left the list is dropped.
  const ticked = items.filter((alert) => selected.has(alert.id)).map((alert) => alert.id);

  return (
    <div data-testid="page-alerts">
      <PageHeader
        title="Alerts"
        description="Problems that need someone's attention: raised once, acknowledged by whoever takes them on, resolved when the problem clears."
      />
      <nav
        aria-label="Alert states"
        className="mb-4 flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800"
      >
        {ALERT_TABS.map((option) => (
          <NavLink
            key={option.value}
            to={{ search: new URLSearchParams(alertSearch(option.value, filters)).toString() }}
            data-testid={`alerts-tab-${option.value}`}
            aria-current={option.value === tab ? "page" : undefined}
            onClick={() => setSelected(new Set())}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap transition-colors ${
              option.value === tab
                ? "border-teal-600 text-teal-700 dark:border-teal-400 dark:text-teal-300"
                : "border-transparent text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200"
            }`}
          >
            {option.label}
          </NavLink>
        ))}
      </nav>
      <AlertFilters
        key={search.toString()}
        initial={filters}
        onApply={(values) => {
          setSelected(new Set());
          setSearch(alertSearch(tab, values));
        }}
      />
      {canOperate && ticked.length > 0 ? (
        <BulkActions ids={ticked} onDone={() => setSelected(new Set())} />
      ) : null}
      <QueryStatus query={alerts} loading="Loading alerts…" />
      {alerts.data && items.length === 0 ? (
        <EmptyState
          icon={BellOff}
          title={filtered ? "No alerts match" : `No ${tab === "open" ? "open " : ""}alerts`}
        >
          {tab === "open" && !filtered
            ? "Nothing needs attention. Failed jobs, stale backups, offline agents, failed checks and long-held locks raise alerts here."
            : "Nothing here with this state and these filters."}
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <AlertsTable
          alerts={items}
          selection={canOperate ? { selected, onChange: setSelected } : undefined}
        />
      ) : null}
      {alerts.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button
            data-testid="alerts-load-more"
            disabled={alerts.isFetchingNextPage}
            onClick={() => void alerts.fetchNextPage()}
          >
            {alerts.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
