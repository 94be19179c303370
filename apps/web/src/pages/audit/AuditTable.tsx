import { Badge } from "../../components/ui/Badge";
import { Table, Td, Th } from "../../components/ui/Table";
import type { AuditEntry } from "../../lib/api-types";
import { formatTimestamp } from "../../lib/format";

function describeDetails(details: AuditEntry["details"]): string {
  if (!details) return "";
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

function describeTarget(entry: AuditEntry): string {
  if (!entry.targetType) return "—";
  return `${entry.targetType} ${entry.targetName ?? entry.targetId ?? ""}`.trim();
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <Table data-testid="audit-table">
      <thead>
        <tr>
          <Th>Time</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Target</Th>
          <Th>Outcome</Th>
          <Th>IP</Th>
          <Th>Details</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {entries.map((entry) => (
          <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
            <Td className="whitespace-nowrap">{formatTimestamp(entry.at)}</Td>
            <Td data-testid="audit-actor">
              <span className="text-slate-900 dark:text-white">{entry.actorName ?? "—"}</span>
              <span className="block text-xs text-slate-500">{entry.actorType}</span>
            </Td>
            <Td className="font-mono text-xs whitespace-nowrap" data-testid="audit-action">
              {entry.action}
            </Td>
            <Td data-testid="audit-target">{describeTarget(entry)}</Td>
            <Td>
              <Badge tone={entry.outcome === "success" ? "success" : "danger"}>
                {entry.outcome}
              </Badge>
            </Td>
            <Td className="font-mono text-xs whitespace-nowrap">{entry.ip ?? "—"}</Td>
            <Td className="max-w-xs text-xs break-words text-slate-500 dark:text-slate-400">
              {describeDetails(entry.details)}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
