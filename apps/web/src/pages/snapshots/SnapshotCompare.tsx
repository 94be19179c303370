import { useQuery } from "@tanstack/react-query";
import { QueryStatus } from "../../components/QueryStatus";
import { Card } from "../../components/ui/Card";
import type { SnapshotDiff, SnapshotListItem } from "../../lib/api-types";
import { formatBytes, formatCount, formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { ReadBy } from "./ReadBy";
import { snapshotHostName } from "./snapshotFacts";

type Change = SnapshotDiff["changes"][number];

const GROUPS = [
  {
    key: "added",
    title: "Added",
    modifiers: ["+"],
    tone: "text-emerald-700 dark:text-emerald-400",
  },
  { key: "removed", title: "Removed", modifiers: ["-"], tone: "text-red-700 dark:text-red-400" },
  {
    key: "changed",
    title: "Changed",
    modifiers: ["M", "T", "U"],
    tone: "text-amber-700 dark:text-amber-400",
  },
] as const;

const MODIFIER_WORDS: Record<string, string> = {
  M: "content",
  T: "type",
  U: "metadata",
};

/** What changed from the older of two snapshots to the newer: added, removed, changed. */
export function SnapshotCompare({
  repositoryId,
  from,
  to,
  onClose,
}: {
  repositoryId: string;
  from: SnapshotListItem;
  to: SnapshotListItem;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const diff = useQuery(
    trpc.snapshots.diff.queryOptions({
      repositoryId,
      from: from.id,
      to: to.id,
      preferHostId: to.hostId ?? undefined,
    }),
  );

  return (
    <Card
      title="Compare snapshots"
      description={
        <>
          From {from.shortId} ({snapshotHostName(from)}, {formatDateTime(new Date(from.time))}) to{" "}
          {to.shortId} ({snapshotHostName(to)}, {formatDateTime(new Date(to.time))})
          {diff.data ? (
            <>
              {" · "}
              <ReadBy reader={diff.data.reader} />
            </>
          ) : null}
        </>
      }
      actions={
        <button
          type="button"
          onClick={onClose}
          className="text-sm text-teal-700 hover:underline dark:text-teal-300"
          data-testid="compare-close"
        >
          Close
        </button>
      }
      data-testid="snapshot-compare"
    >
      <QueryStatus query={diff} loading="Comparing the two snapshots…" />
      {diff.data ? <DiffLists diff={diff.data} /> : null}
    </Card>
  );
}

function DiffLists({ diff }: { diff: SnapshotDiff }) {
  const { statistics: stats } = diff;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="compare-summary">
        {formatCount(stats.changedFiles)} files changed; {formatCount(stats.added.files)} files
        added ({formatBytes(stats.added.bytes)}), {formatCount(stats.removed.files)} removed (
        {formatBytes(stats.removed.bytes)}).
        {diff.truncated ? " The list below is cut short: the diff has more lines." : ""}
      </p>
      <div className="grid gap-4 lg:grid-cols-3">
        {GROUPS.map((group) => {
          const changes = diff.changes.filter((c) =>
            (group.modifiers as readonly string[]).includes(c.modifier),
          );
          return (
            <ChangeList
              key={group.key}
              testId={`compare-${group.key}`}
              title={group.title}
              tone={group.tone}
              changes={changes}
            />
          );
        })}
      </div>
    </div>
  );
}

function ChangeList({
  testId,
  title,
  tone,
  changes,
}: {
  testId: string;
  title: string;
  tone: string;
  changes: Change[];
}) {
  return (
    <section data-testid={testId} data-count={changes.length} className="min-w-0 space-y-2">
      <h3 className={`text-sm font-semibold ${tone}`}>
        {title} <span className="tabular-nums">({formatCount(changes.length)})</span>
      </h3>
      {changes.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Nothing.</p>
      ) : (
        <ul className="max-h-80 overflow-auto rounded-md border border-slate-200 py-1 font-mono text-xs dark:border-slate-800">
          {changes.map((change) => (
            <li
              key={`${change.modifier}${change.path}`}
              data-testid="compare-path"
              className="flex gap-2 px-2.5 py-0.5"
            >
              <span className="min-w-0 flex-1 break-all">{change.path}</span>
              {MODIFIER_WORDS[change.modifier] ? (
                <span className="shrink-0 text-slate-500">{MODIFIER_WORDS[change.modifier]}</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
