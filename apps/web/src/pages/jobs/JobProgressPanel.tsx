import type { TResticProgress } from "@restic-manager/contracts";
import type { ReactNode } from "react";
import { Card } from "../../components/ui/Card";
import { ProgressBar } from "../../components/ui/ProgressBar";
import { formatBytes, formatCount, formatDuration, formatRate, toPercent } from "../../lib/format";
import { progressView } from "../../lib/jobs";

interface JobProgressPanelProps {
  kind: string;
  progress: TResticProgress | undefined;
  rate: number | undefined;
}

/** Live progress of a running backup or restore: the bar, counts, rate, ETA, current file. */
export function JobProgressPanel({ kind, progress, rate }: JobProgressPanelProps) {
  if (!progress) {
    return (
      <Card title="Progress" data-testid="job-progress-panel">
        <p className="text-sm text-slate-500 dark:text-slate-400">
          Waiting for the first progress report from restic…
        </p>
      </Card>
    );
  }
  const view = progressView(progress);
  const percent = toPercent(view.fraction);
  const remaining =
    view.secondsRemaining ??
    (rate && rate > 0 ? (view.totalBytes - view.bytesDone) / rate : undefined);

  return (
    <Card title="Progress" data-testid="job-progress-panel">
      <div className="space-y-4">
        <div className="flex items-center gap-3">
          <ProgressBar percent={percent} label={`${kind} progress`} data-testid="job-progress" />
          <span
            className="w-12 shrink-0 text-right text-sm font-medium tabular-nums"
            data-testid="job-progress-percent"
          >
            {percent} %
          </span>
        </div>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-5">
          <Figure label="Files">
            {formatCount(view.filesDone)} / {formatCount(view.totalFiles)}
          </Figure>
          <Figure label="Data">
            {formatBytes(view.bytesDone)} / {formatBytes(view.totalBytes)}
          </Figure>
          <Figure label="Rate">{formatRate(rate)}</Figure>
          <Figure label="Elapsed">{formatDuration(view.secondsElapsed)}</Figure>
          <Figure label="Remaining">{formatDuration(remaining)}</Figure>
        </dl>
        {view.currentFiles.length > 0 ? (
          <div className="space-y-1">
            <p className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
              {view.currentFiles.length > 1 ? "Current files" : "Current file"}
            </p>
            {view.currentFiles.map((file) => (
              <p
                key={file}
                className="truncate font-mono text-xs text-slate-700 dark:text-slate-300"
                data-testid="job-current-file"
                title={file}
              >
                {file}
              </p>
            ))}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
        {label}
      </dt>
      <dd className="mt-0.5 text-slate-800 tabular-nums dark:text-slate-200">{children}</dd>
    </div>
  );
}
