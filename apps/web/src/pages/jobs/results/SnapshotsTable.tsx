import type { TSnapshot } from "@restic-manager/contracts";
import { Table, Td, Th } from "../../../components/ui/Table";
import { formatDateTime } from "../../../lib/format";

export function SnapshotsTable({
  snapshots,
  "data-testid": testId = "snapshots-table",
}: {
  snapshots: TSnapshot[];
  "data-testid"?: string;
}) {
  if (snapshots.length === 0) {
    return <p className="text-sm text-slate-500 dark:text-slate-400">No snapshots.</p>;
  }
  return (
    <Table data-testid={testId}>
      <thead>
        <tr>
          <Th>Id</Th>
          <Th>Time</Th>
          <Th>Host</Th>
          <Th>Paths</Th>
          <Th>Tags</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {snapshots.map((snapshot) => (
          <tr key={snapshot.id} data-testid="snapshot-row" data-snapshot-id={snapshot.id}>
            <Td className="font-mono text-xs" title={snapshot.id}>
              {snapshot.shortId}
            </Td>
            <Td className="whitespace-nowrap">{formatDateTime(new Date(snapshot.time))}</Td>
            <Td>{snapshot.hostname}</Td>
            <Td className="font-mono text-xs break-all whitespace-pre-line">
              {snapshot.paths.join("\n")}
            </Td>
            <Td>{snapshot.tags.join(", ") || "—"}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
