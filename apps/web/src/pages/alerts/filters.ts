import { ZAlertKind, ZAlertSeverity } from "@restic-manager/contracts";

/** The tabs of the alerts page; "open" is raised and acknowledged together. */
export const ALERT_TABS = [
  { value: "open", label: "Open" },
  { value: "raised", label: "Unacknowledged" },
  { value: "acknowledged", label: "Acknowledged" },
  { value: "resolved", label: "Resolved" },
] as const;
export type AlertTab = (typeof ALERT_TABS)[number]["value"];

/** The filter form's values, as typed and as kept in the address bar; empty means "any". */
export const EMPTY_ALERT_FILTERS = { kind: "", severity: "", host: "" };
export type AlertFilterValues = typeof EMPTY_ALERT_FILTERS;

export const PAGE_SIZE = 50;

export function alertTabFromSearch(search: URLSearchParams): AlertTab {
  const state = search.get("state");
  return ALERT_TABS.find((tab) => tab.value === state)?.value ?? "open";
}

export function alertFiltersFromSearch(search: URLSearchParams): AlertFilterValues {
  return {
    kind: search.get("kind") ?? "",
    severity: search.get("severity") ?? "",
    host: search.get("host") ?? "",
  };
}

/** The address bar's query for a tab and filters; the default tab is left out. */
export function alertSearch(tab: AlertTab, values: AlertFilterValues): Record<string, string> {
  const entries = Object.entries(values).filter(([, value]) => value !== "");
  if (tab !== "open") entries.unshift(["state", tab]);
  return Object.fromEntries(entries);
}

/** Turns the tab and the form into the `alerts.list` input. */
export function toAlertsInput(tab: AlertTab, values: AlertFilterValues) {
  return {
    state: tab,
    kind: ZAlertKind.safeParse(values.kind).data,
    severity: ZAlertSeverity.safeParse(values.severity).data,
    hostId: values.host || undefined,
    limit: PAGE_SIZE,
  };
}
