import { Link } from "react-router";
import { Table, Td, Th } from "../../components/ui/Table";
import type { AlertListItem } from "../../lib/api-types";
import { formatDateTime, formatRelative } from "../../lib/format";
import { SeverityBadge, StateBadge } from "./AlertBadges";
import { kindLabel } from "./labels";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";
const CHECKBOX = "size-4 rounded border-slate-300 accent-teal-600 dark:accent-teal-500";

interface AlertsTableProps {
  alerts: AlertListItem[];
  /** Without it (a viewer), no checkboxes. */
  selection?: { selected: ReadonlySet<string>; onChange: (ids: ReadonlySet<string>) => void };
}

/** Alerts, newest first, each with what it is about; open ones can be ticked for bulk actions. */
export function AlertsTable({ alerts, selection }: AlertsTableProps) {
  const selectable = alerts.filter((alert) => alert.state !== "resolved");
  const allTicked =
    selectable.length > 0 && selectable.every((alert) => selection?.selected.has(alert.id));
  const toggle = (id: string, on: boolean) => {
    if (!selection) return;
    const next = new Set(selection.selected);
    if (on) next.add(id);
    else next.delete(id);
    selection.onChange(next);
  };

  return (
    <Table data-testid="alerts-table">
      <thead>
        <tr>
          {selection ? (
            <Th className="w-8">
              <input
                type="checkbox"
                aria-label="Select every open alert shown"
                data-testid="alerts-select-all"
                className={CHECKBOX}
                checked={allTicked}
                disabled={selectable.length === 0}
                onChange={(event) =>
                  selection.onChange(
                    new Set(event.target.checked ? selectable.map((alert) => alert.id) : []),
                  )
                }
              />
            </Th>
          ) : null}
          <Th>Severity</Th>
          <Th>Alert</Th>
          <Th>Host</Th>
          <Th className="text-right">Count</Th>
          <Th>Last seen</Th>
          <Th>State</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {alerts.map((alert) => (
          <tr
            key={alert.id}
            data-testid="alert-row"
            data-alert-id={alert.id}
            data-kind={alert.kind}
            data-state={alert.state}
          >
            {selection ? (
              <Td>
                {alert.state === "resolved" ? null : (
                  <input
                    type="checkbox"
                    aria-label={`Select ${alert.subject}`}
                    data-testid="alert-select"
                    className={CHECKBOX}
                    checked={selection.selected.has(alert.id)}
                    onChange={(event) => toggle(alert.id, event.target.checked)}
                  />
                )}
              </Td>
            ) : null}
            <Td>
              <SeverityBadge severity={alert.severity} />
            </Td>
            <Td className="min-w-64">
              <Link
                to={`/alerts/${alert.id}`}
                className={`font-medium ${LINK}`}
                data-testid="alert-link"
              >
                {kindLabel(alert.kind)}: {alert.subject}
              </Link>
              <p className="mt-0.5 line-clamp-2 text-xs text-slate-500 dark:text-slate-400">
                {alert.summary}
              </p>
              {alert.ackNote ? (
                <p className="mt-0.5 text-xs text-slate-500 italic dark:text-slate-400">
                  “{alert.ackNote}” — {alert.acknowledgedBy}
                </p>
              ) : null}
            </Td>
            <Td className="whitespace-nowrap">
              {alert.hostId ? (
                <Link to={`/hosts/${alert.hostId}`} className={LINK}>
                  {alert.hostName ?? alert.hostId}
                </Link>
              ) : (
                <span className="text-slate-500">none</span>
              )}
            </Td>
            <Td className="text-right tabular-nums" data-testid="alert-count">
              {alert.count}
            </Td>
            <Td className="whitespace-nowrap" title={formatDateTime(alert.lastSeenAt)}>
              {formatRelative(alert.lastSeenAt)}
            </Td>
            <Td>
              <StateBadge state={alert.state} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
