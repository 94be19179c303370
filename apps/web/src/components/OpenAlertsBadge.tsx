import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc";

/**
 * The number of open alerts beside "Alerts" in the navigation; nothing when there are none.
 * The fleet event stream has it read again whenever alerts change (see useFleetEvents).
 */
export function OpenAlertsBadge() {
  const trpc = useTRPC();
  const counts = useQuery(trpc.alerts.counts.queryOptions());
  const total = counts.data?.total ?? 0;
  if (total === 0) return null;
  const critical = (counts.data?.critical ?? 0) > 0;
  return (
    <span
      data-testid="nav-alerts-count"
      title={`${total} open ${total === 1 ? "alert" : "alerts"}`}
      className={`ml-auto min-w-5 rounded-full px-1.5 py-0.5 text-center text-[11px] leading-none font-semibold tabular-nums ${
        critical
          ? "bg-red-600 text-white dark:bg-red-500 dark:text-slate-950"
          : "bg-amber-500 text-white dark:bg-amber-400 dark:text-slate-950"
      }`}
    >
      {total > 99 ? "99+" : total}
    </span>
  );
}
