import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type TJobFinished,
  type TScheduledRun,
  type TScheduleMissReport,
  ZJobFinished,
  ZScheduledRun,
  ZScheduleMissReport,
} from "@restic-manager/contracts";
import { z } from "zod";

const ZRunningMarker = z.object({
  jobId: z.string(),
  kind: z.string(),
  startedAt: z.coerce.date(),
});
type RunningMarker = z.infer<typeof ZRunningMarker>;

/**
 * What must survive the server's absence and the agent's own restarts: which jobs are
 * running, and results not yet acknowledged by the server. One small file per job, each
 * written atomically (temporary file + rename).
 */
export class Spool {
  private readonly runningDir: string;
  private readonly resultsDir: string;
  private readonly runsDir: string;
  private readonly missesDir: string;

  constructor(stateDir: string) {
    this.runningDir = path.join(stateDir, "spool", "running");
    this.resultsDir = path.join(stateDir, "spool", "results");
    this.runsDir = path.join(stateDir, "spool", "runs");
    this.missesDir = path.join(stateDir, "spool", "misses");
    for (const dir of [this.runningDir, this.resultsDir, this.runsDir, this.missesDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
  }

  // Runs the agent started on its own and slots it did not run, until the server has them.

  saveRun(run: TScheduledRun): void {
    writeAtomically(path.join(this.runsDir, fileName(run.jobId)), run);
  }

  saveMiss(miss: TScheduleMissReport): void {
    writeAtomically(path.join(this.missesDir, missFileName(miss)), miss);
  }

  pendingReports(): { runs: TScheduledRun[]; misses: TScheduleMissReport[] } {
    return {
      runs: readAll(this.runsDir, ZScheduledRun),
      misses: readAll(this.missesDir, ZScheduleMissReport),
    };
  }

  acknowledgeReports(report: { runs: TScheduledRun[]; misses: TScheduleMissReport[] }): void {
    for (const run of report.runs)
      rmSync(path.join(this.runsDir, fileName(run.jobId)), { force: true });
    for (const miss of report.misses)
      rmSync(path.join(this.missesDir, missFileName(miss)), { force: true });
  }

  markRunning(marker: RunningMarker): void {
    writeAtomically(path.join(this.runningDir, fileName(marker.jobId)), marker);
  }

  /** Keeps the result until the server acknowledges it, then forgets the job. */
  saveResult(result: TJobFinished): void {
    writeAtomically(path.join(this.resultsDir, fileName(result.jobId)), result);
    rmSync(path.join(this.runningDir, fileName(result.jobId)), { force: true });
  }

  acknowledge(jobId: string): void {
    rmSync(path.join(this.resultsDir, fileName(jobId)), { force: true });
  }

  pendingResults(): TJobFinished[] {
    return readAll(this.resultsDir, ZJobFinished);
  }

  hasResult(jobId: string): boolean {
    return readAll(this.resultsDir, ZJobFinished).some((r) => r.jobId === jobId);
  }

  /**
   * Jobs that were running when the agent last stopped did not finish: each becomes a failed
   * result, reported at the next connection. Called once at start-up. A result that cannot be
   * written (read-only or full state directory) is still returned, for the caller to hold.
   * `except` names a job that is not interrupted although marked running.
   */
  recoverInterrupted(now: Date, except?: string): TJobFinished[] {
    const recovered: TJobFinished[] = [];
    for (const marker of readAll(this.runningDir, ZRunningMarker)) {
      // An agent on trial after an update: the update job is still going, and it finishes it.
      if (marker.jobId === except) continue;
      const result: TJobFinished = {
        jobId: marker.jobId,
        outcome: "failed",
        exitCode: null,
        error: "the agent stopped while this job was running",
        finishedAt: now,
      };
      try {
        this.saveResult(result);
      } catch {
        // returned all the same: see above
      }
      recovered.push(result);
    }
    return recovered;
  }
}

function fileName(jobId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId))
    throw new Error(`unsafe job id ${JSON.stringify(jobId)}`);
  return `${jobId}.json`;
}

function missFileName(miss: TScheduleMissReport): string {
  return fileName(`${miss.scheduleId}-${miss.slot.getTime()}`);
}

function writeAtomically(file: string, data: unknown): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(data), { mode: 0o600 });
  renameSync(temporary, file);
}

function readAll<T>(dir: string, schema: z.ZodType<T>): T[] {
  const items: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    try {
      items.push(schema.parse(JSON.parse(readFileSync(path.join(dir, name), "utf8"))));
    } catch {
      // A damaged file must not stop the others: set it aside for a person to look at.
      renameSync(path.join(dir, name), path.join(dir, `${name}.damaged`));
    }
  }
  return items;
}
