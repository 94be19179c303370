import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import { Table, Td, Th } from "../../components/ui/Table";
import type { SnapshotListItem } from "../../lib/api-types";
import { formatBytes, formatCount, formatDateTime } from "../../lib/format";
import { browserLink, snapshotHostName, userTags } from "./snapshotFacts";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

interface SnapshotTableProps {
  repositoryId: string;
  snapshots: SnapshotListItem[];
  picked: readonly string[];
  onPick: (id: string, picked: boolean) => void;
}

/** A repository's snapshots, newest first; two can be picked to compare. */
export function SnapshotTable({ repositoryId, snapshots, picked, onPick }: SnapshotTableProps) {
  return (
    <Table data-testid="snapshots-table">
      <thead>
        <tr>
          <Th className="w-8">
            <span className="sr-only">Compare</span>
          </Th>
          <Th>Time</Th>
          <Th>Host</Th>
          <Th>Backup set</Th>
          <Th>Paths</Th>
          <Th className="text-right">Files</Th>
          <Th className="text-right">Size</Th>
          <Th>Tags</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {snapshots.map((snapshot) => {
          const checked = picked.includes(snapshot.id);
          const tags = userTags(snapshot.tags);
          return (
            <tr
              key={snapshot.id}
              data-testid="snapshot-row"
              data-snapshot-id={snapshot.id}
              data-short-id={snapshot.shortId}
            >
              <Td>
                <input
                  type="checkbox"
                  aria-label={`Compare snapshot ${snapshot.shortId}`}
                  data-testid="snapshot-pick"
                  checked={checked}
                  disabled={!checked && picked.length >= 2}
                  onChange={(event) => onPick(snapshot.id, event.target.checked)}
                  className="size-4 accent-teal-600 dark:accent-teal-500"
                />
              </Td>
              <Td className="whitespace-nowrap">
                <Link
                  to={browserLink(repositoryId, snapshot)}
                  className={`font-medium ${LINK}`}
                  data-testid="snapshot-open"
                >
                  {formatDateTime(new Date(snapshot.time))}
                </Link>
                <span className="block font-mono text-xs text-slate-500" title={snapshot.id}>
                  {snapshot.shortId}
                </span>
              </Td>
              <Td className="whitespace-nowrap">
                {snapshot.hostId ? (
                  <Link to={`/hosts/${snapshot.hostId}`} className={LINK}>
                    {snapshotHostName(snapshot)}
                  </Link>
                ) : (
                  snapshot.hostname
                )}
              </Td>
              <Td className="whitespace-nowrap">{snapshot.backupSetName ?? "—"}</Td>
              <Td className="max-w-80 font-mono text-xs break-all whitespace-pre-line">
                {snapshot.paths.join("\n")}
              </Td>
              <Td className="text-right whitespace-nowrap tabular-nums">
                <SummaryFiles snapshot={snapshot} />
              </Td>
              <Td className="text-right whitespace-nowrap tabular-nums">
                {snapshot.summary ? formatBytes(snapshot.summary.totalBytesProcessed) : "—"}
                {snapshot.summary ? (
                  <span className="block text-xs text-slate-500">
                    +{formatBytes(snapshot.summary.dataAdded)} new
                  </span>
                ) : null}
              </Td>
              <Td>
                {tags.length > 0 ? (
                  <span className="flex flex-wrap gap-1">
                    {tags.map((tag) => (
                      <Badge key={tag}>{tag}</Badge>
                    ))}
                  </span>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </Td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}

/** Files in the snapshot, and how many were new or changed since the one before. */
function SummaryFiles({ snapshot }: { snapshot: SnapshotListItem }) {
  const { summary } = snapshot;
  if (!summary) return <span className="text-slate-400">—</span>;
  return (
    <>
      {formatCount(summary.totalFilesProcessed)}
      <span className="block text-xs text-slate-500">
        {formatCount(summary.filesNew)} new, {formatCount(summary.filesChanged)} changed
      </span>
    </>
  );
}
