import { ZScheduleKind } from "@restic-manager/contracts";

/** The filter form's values, as typed and as kept in the address bar; empty means "any". */
export const EMPTY_SCHEDULE_FILTERS = { host: "", repository: "", kind: "", status: "" };
export type ScheduleFilterValues = typeof EMPTY_SCHEDULE_FILTERS;

export const PAGE_SIZE = 50;

export function scheduleFiltersFromSearch(search: URLSearchParams): ScheduleFilterValues {
  return {
    host: search.get("host") ?? "",
    repository: search.get("repository") ?? "",
    kind: search.get("kind") ?? "",
    status: search.get("status") ?? "",
  };
}

export function scheduleFiltersToSearch(values: ScheduleFilterValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

/** Turns the form into the `schedules.list` input. */
export function toSchedulesInput(values: ScheduleFilterValues) {
  return {
    hostId: values.host || undefined,
    repositoryId: values.repository || undefined,
    kind: ZScheduleKind.safeParse(values.kind).data,
    paused: values.status === "paused" ? true : values.status === "active" ? false : undefined,
    limit: PAGE_SIZE,
  };
}
