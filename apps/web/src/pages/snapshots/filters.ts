/** The snapshot list's filters, as typed and as kept in the address bar; empty means "any". */
export const EMPTY_SNAPSHOT_FILTERS = { host: "", set: "", tag: "", from: "", to: "" };
export type SnapshotFilterValues = typeof EMPTY_SNAPSHOT_FILTERS;

export function snapshotFiltersFromSearch(search: URLSearchParams): SnapshotFilterValues {
  return {
    host: search.get("host") ?? "",
    set: search.get("set") ?? "",
    tag: search.get("tag") ?? "",
    from: search.get("from") ?? "",
    to: search.get("to") ?? "",
  };
}

export function snapshotFiltersToSearch(values: SnapshotFilterValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ""));
}

/** A day typed in a date field, as the start (or the end) of that day in the browser's zone. */
function dayBoundary(day: string, end: boolean): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T${end ? "23:59:59.999" : "00:00:00"}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Turns the form into the `snapshots.list` input. */
export function toSnapshotsInput(repositoryId: string, values: SnapshotFilterValues) {
  return {
    repositoryId,
    hostId: values.host || undefined,
    backupSetId: values.set || undefined,
    tag: values.tag.trim() || undefined,
    from: dayBoundary(values.from, false),
    to: dayBoundary(values.to, true),
  };
}
