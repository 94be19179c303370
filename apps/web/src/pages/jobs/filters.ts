import { ZJobKind } from "@restic-manager/contracts";
import { isJobState } from "../../lib/jobs";

/** The filter form's values, as typed and as kept in the address bar; empty means "any". */
export const EMPTY_FILTERS = { host: "", kind: "", state: "", from: "", to: "" };
export type JobFilterValues = typeof EMPTY_FILTERS;

export function filtersFromSearch(search: URLSearchParams): JobFilterValues {
  return {
    host: search.get("host") ?? "",
    kind: search.get("kind") ?? "",
    state: search.get("state") ?? "",
    from: search.get("from") ?? "",
    to: search.get("to") ?? "",
  };
}

export function filtersToSearch(values: JobFilterValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

/** Turns the form into the `jobs.list` input; dates cover whole local days. */
export function toJobsInput(values: JobFilterValues) {
  return {
    hostId: values.host || undefined,
    kind: ZJobKind.safeParse(values.kind).data,
    state: isJobState(values.state) ? values.state : undefined,
    from: values.from ? new Date(`${values.from}T00:00:00`) : undefined,
    to: values.to ? new Date(`${values.to}T23:59:59.999`) : undefined,
    limit: 50,
  };
}
