/** A host's connection at a glance; the text is there for screen readers and tooltips. */
export function OnlineDot({ online, revoked = false }: { online: boolean; revoked?: boolean }) {
  const label = revoked ? "revoked" : online ? "online" : "offline";
  const colour = revoked
    ? "bg-slate-300 dark:bg-slate-600"
    : online
      ? "bg-emerald-500 ring-4 ring-emerald-500/15"
      : "bg-slate-400 dark:bg-slate-500";
  return (
    <span
      className="inline-flex items-center gap-2"
      data-testid="host-status"
      data-status={label}
      title={label}
    >
      <span className={`inline-block size-2.5 shrink-0 rounded-full ${colour}`} aria-hidden />
      <span className="text-sm text-slate-700 dark:text-slate-300">{label}</span>
    </span>
  );
}
