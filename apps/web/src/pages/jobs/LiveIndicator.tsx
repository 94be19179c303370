/** Whether the page is following the job live, or has fallen back to reloading it. */
export function LiveIndicator({ status }: { status: "idle" | "connecting" | "pending" | "error" }) {
  if (status === "pending") {
    return (
      <span
        className="inline-flex items-center gap-1.5 text-xs text-emerald-700 dark:text-emerald-400"
        data-testid="job-live"
      >
        <span className="size-1.5 animate-pulse rounded-full bg-emerald-500" aria-hidden />
        live
      </span>
    );
  }
  return (
    <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="job-live">
      {status === "error" ? "live updates interrupted; reloading every few seconds" : "connecting…"}
    </span>
  );
}
