import type { TForgetResult, TPruneReport } from "@restic-manager/contracts";
import { formatBytes, formatCount, formatCountOf } from "../../../lib/format";
import { Figures, ResultNote } from "./Figures";
import { SnapshotsTable } from "./SnapshotsTable";

export function ForgetResult({ result }: { result: TForgetResult }) {
  return (
    <div className="space-y-5" data-testid="forget-result">
      <ResultNote>
        {result.dryRun ? "Dry run: nothing was removed. " : ""}
        {formatCountOf(result.keptCount, "snapshot")} kept, {formatCount(result.removedCount)}{" "}
        {result.dryRun ? "would be removed" : "removed"}.
      </ResultNote>
      {result.groups.map((group) => (
        <section
          key={`${group.host}|${group.paths.join(",")}|${group.tags.join(",")}`}
          className="space-y-2"
          data-testid="forget-group"
        >
          <h3 className="text-sm font-medium text-slate-800 dark:text-slate-200">
            {[group.host, group.paths.join(", "), group.tags.join(", ")]
              .filter((part) => part)
              .join(" · ") || "All snapshots"}
          </h3>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            Keep {group.keep.length}, remove {group.remove.length}
          </p>
          {group.remove.length > 0 ? (
            <SnapshotsTable snapshots={group.remove} data-testid="forget-removed" />
          ) : null}
          {group.keep.length > 0 ? (
            <SnapshotsTable snapshots={group.keep} data-testid="forget-kept" />
          ) : null}
        </section>
      ))}
      {result.prune ? <PruneReport report={result.prune} /> : null}
    </div>
  );
}

export function PruneReport({ report }: { report: TPruneReport }) {
  return (
    <div className="space-y-3" data-testid="prune-report">
      {report.dryRun ? <ResultNote>Dry run: nothing was deleted.</ResultNote> : null}
      <Figures
        items={[
          ["To repack", amount(report.toRepack)],
          ["To remove", amount(report.removes)],
          ["To delete", amount(report.toDelete)],
          ["Pruned in total", amount(report.totalPrune)],
          ["Remaining", amount(report.remaining)],
          ["Unused afterwards", formatBytes(report.unusedAfterPruneBytes)],
        ]}
      />
      {report.output.length > 0 ? (
        <pre className="max-h-64 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-700 dark:bg-slate-950 dark:text-slate-300">
          {report.output.join("\n")}
        </pre>
      ) : null}
    </div>
  );
}

function amount(value: TPruneReport["toRepack"]): string {
  return value ? `${formatCount(value.blobs)} blobs, ${formatBytes(value.bytes)}` : "—";
}
