import type {
  TCheckResult,
  THealthResult,
  TListLocksResult,
  TStatsResult,
} from "@restic-manager/contracts";
import { Alert } from "../../../components/ui/Alert";
import { Badge } from "../../../components/ui/Badge";
import { Table, Td, Th } from "../../../components/ui/Table";
import { formatBytes, formatCount, formatCountOf, formatDateTime } from "../../../lib/format";
import { Figures, ResultNote } from "./Figures";

export function CheckResult({ result }: { result: TCheckResult }) {
  return (
    <div className="space-y-3" data-testid="check-result">
      {result.ok ? (
        <Alert tone="success" data-testid="check-ok">
          No errors were found in the repository.
        </Alert>
      ) : (
        <Alert tone="error" title={`${formatCountOf(result.numErrors, "error")} found`}>
          <ul className="mt-1 space-y-0.5 font-mono text-xs">
            {result.errors.map((error) => (
              <li key={error} className="break-all">
                {error}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {result.brokenPacks.length > 0 ? (
        <ResultNote>Damaged pack files: {result.brokenPacks.join(", ")}</ResultNote>
      ) : null}
      {result.suggestRepairIndex ? (
        <ResultNote>restic suggests running “repair index”.</ResultNote>
      ) : null}
      {result.suggestPrune ? <ResultNote>restic suggests running a prune.</ResultNote> : null}
    </div>
  );
}

export function StatsResult({ result }: { result: TStatsResult }) {
  const counts: [string, number | null][] = [
    ["Files", result.totalFileCount],
    ["Blobs", result.totalBlobCount],
    ["Snapshots", result.snapshotsCount],
  ];
  const items: [string, string][] = [
    ["Mode", result.mode],
    ["Total size", formatBytes(result.totalSize)],
    ...counts.flatMap(([label, value]): [string, string][] =>
      value === null ? [] : [[label, formatCount(value)]],
    ),
  ];
  if (result.totalUncompressedSize !== null) {
    items.push(["Uncompressed", formatBytes(result.totalUncompressedSize)]);
  }
  if (result.compressionRatio !== null) {
    items.push(["Compression ratio", `${result.compressionRatio.toFixed(2)}×`]);
  }
  if (result.compressionSpaceSaving !== null) {
    items.push(["Space saved", `${result.compressionSpaceSaving.toFixed(1)} %`]);
  }
  return <Figures items={items} data-testid="stats-result" />;
}

export function LocksResult({ result }: { result: TListLocksResult }) {
  if (result.locks.length === 0) {
    return <ResultNote>The repository holds no locks.</ResultNote>;
  }
  return (
    <Table data-testid="locks-table">
      <thead>
        <tr>
          <Th>Lock</Th>
          <Th>Since</Th>
          <Th>Held by</Th>
          <Th>Kind</Th>
          <Th>Stale</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {result.locks.map((lock) => (
          <tr key={lock.id} data-testid="lock-row" data-stale={lock.stale}>
            <Td className="font-mono text-xs">{lock.id.slice(0, 8)}</Td>
            <Td className="whitespace-nowrap">{formatDateTime(new Date(lock.time))}</Td>
            <Td>
              {lock.username}@{lock.hostname} (pid {lock.pid})
            </Td>
            <Td>{lock.exclusive ? "exclusive" : "shared"}</Td>
            <Td>
              {lock.stale ? (
                <Badge tone="warning">{lock.staleReason ?? "stale"}</Badge>
              ) : (
                <Badge>active</Badge>
              )}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Logical size over stored size: how much deduplication and compression save. */
export function dedupRatio(totalSize: number, rawSize: number): string {
  return rawSize > 0 ? `${(totalSize / rawSize).toFixed(2)}×` : "—";
}

export function HealthResult({ result }: { result: THealthResult }) {
  return (
    <div className="space-y-4" data-testid="health-result">
      <Figures
        items={[
          ["Snapshots", String(result.snapshotCount)],
          ["Total size", formatBytes(result.totalSize)],
          ["Stored (deduplicated, compressed)", formatBytes(result.rawSize)],
          ["Deduplication ratio", dedupRatio(result.totalSize, result.rawSize)],
          ...result.hosts.map((h): [string, string] => [
            `Last snapshot of ${h.host}`,
            `${formatDateTime(new Date(h.lastSnapshotAt))} (${h.snapshotCount})`,
          ]),
        ]}
      />
      <LocksResult result={{ kind: "list-locks", locks: result.locks }} />
    </div>
  );
}
