import type { TBackupResult, TItemError, TRestoreResult } from "@restic-manager/contracts";
import { Alert } from "../../../components/ui/Alert";
import { formatBytes, formatCount, formatCountOf, formatDuration } from "../../../lib/format";
import { Figures, Mono, ResultNote } from "./Figures";

export function BackupResult({ result }: { result: TBackupResult }) {
  const { summary } = result;
  return (
    <div className="space-y-4" data-testid="backup-result">
      {result.snapshotId ? (
        <ResultNote>
          Snapshot <Mono testId="snapshot-id">{result.snapshotId}</Mono>
          {result.status === "partial"
            ? " was saved, but some files could not be read."
            : " saved."}
        </ResultNote>
      ) : (
        <ResultNote>
          {result.dryRun
            ? "Dry run: nothing was stored."
            : "Nothing changed since the last snapshot, so none was made."}
        </ResultNote>
      )}
      <Figures
        items={[
          ["New files", formatCount(summary.filesNew)],
          ["Changed files", formatCount(summary.filesChanged)],
          ["Unmodified files", formatCount(summary.filesUnmodified)],
          ["Data added", formatBytes(summary.dataAdded)],
          ["Stored (compressed)", formatBytes(summary.dataAddedPacked)],
          ["Files processed", formatCount(summary.totalFilesProcessed)],
          ["Bytes processed", formatBytes(summary.totalBytesProcessed)],
          ["Duration", formatDuration(summary.totalDuration)],
        ]}
      />
      <ItemErrors errors={result.itemErrors} count={result.itemErrorCount} />
    </div>
  );
}

export function RestoreResult({ result }: { result: TRestoreResult }) {
  const { summary } = result;
  return (
    <div className="space-y-4" data-testid="restore-result">
      <Figures
        items={[
          ["Files restored", formatCount(summary.filesRestored)],
          ["Files skipped", formatCount(summary.filesSkipped)],
          ["Files deleted", formatCount(summary.filesDeleted)],
          ["Total files", formatCount(summary.totalFiles)],
          ["Data restored", formatBytes(summary.bytesRestored)],
          ["Data skipped", formatBytes(summary.bytesSkipped)],
          ["Total data", formatBytes(summary.totalBytes)],
          ["Duration", formatDuration(summary.secondsElapsed)],
        ]}
      />
      <ItemErrors errors={result.itemErrors} count={result.itemErrorCount} />
    </div>
  );
}

function ItemErrors({ errors, count }: { errors: TItemError[]; count: number }) {
  if (count === 0) return null;
  return (
    <Alert tone="warning" title={`${formatCountOf(count, "item")} could not be processed`}>
      <ul className="mt-1 space-y-0.5 font-mono text-xs">
        {errors.map((error) => (
          <li key={`${error.item}:${error.message}`} className="break-all">
            {error.item ? `${error.item}: ` : ""}
            {error.message}
          </li>
        ))}
      </ul>
    </Alert>
  );
}
