import type { TBackupProgress, TBackupResult, THealthResult } from "@restic-manager/contracts";
import type { ExecutionHooks, ExecutionResult } from "../../apps/agent/src/runner.js";

const TOTAL_FILES = 240_000;
const TOTAL_BYTES = 180 * 1024 ** 3;

/** Where a sample says when it was handed to the link: watchers read it back (fan-out latency). */
export const SENT_AT = /\/srv\/data\/bench\/(\d+)\.dat/;

/** A progress line as restic's wrapper reports it mid-backup, stamped with when it was sent. */
export function progressSample(elapsedS: number, fraction: number): TBackupProgress {
  return {
    kind: "backup",
    percentDone: fraction,
    secondsElapsed: elapsedS,
    secondsRemaining: fraction > 0 ? (elapsedS * (1 - fraction)) / fraction : null,
    totalFiles: TOTAL_FILES,
    filesDone: Math.floor(TOTAL_FILES * fraction),
    totalBytes: TOTAL_BYTES,
    bytesDone: Math.floor(TOTAL_BYTES * fraction),
    errorCount: 0,
    currentFiles: [`/srv/data/bench/${Date.now()}.dat`],
  };
}

export function backupResult(seconds: number): ExecutionResult {
  const result: TBackupResult = {
    kind: "backup",
    status: "complete",
    snapshotId: Buffer.from(String(Math.random())).toString("hex").padEnd(64, "0").slice(0, 64),
    dryRun: false,
    summary: {
      filesNew: 120,
      filesChanged: 35,
      filesUnmodified: TOTAL_FILES - 155,
      dirsNew: 3,
      dirsChanged: 12,
      dirsUnmodified: 9000,
      dataBlobs: 400,
      treeBlobs: 15,
      dataAdded: 250 * 1024 ** 2,
      dataAddedPacked: 120 * 1024 ** 2,
      totalFilesProcessed: TOTAL_FILES,
      totalBytesProcessed: TOTAL_BYTES,
      totalDuration: seconds,
      backupStart: new Date(Date.now() - seconds * 1000).toISOString(),
      backupEnd: new Date().toISOString(),
    },
    itemErrors: [],
    itemErrorCount: 0,
  };
  return { outcome: "succeeded", exitCode: 0, error: null, result };
}

/**
 * Emits progress at `ratePerSecond` until `untilEpochMs` (or the job is cancelled), as restic
 * would while a long backup runs; returns how many samples it handed over.
 */
export async function emitProgress(
  hooks: ExecutionHooks,
  ratePerSecond: number,
  untilEpochMs: number,
): Promise<number> {
  const started = Date.now();
  const span = Math.max(1, untilEpochMs - started);
  const intervalMs = 1000 / ratePerSecond;
  let sent = 0;
  // A random phase, so thousands of jobs do not all send in the same millisecond.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * intervalMs));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if (now >= untilEpochMs || hooks.signal.aborted) {
        clearInterval(timer);
        resolve();
        return;
      }
      hooks.onProgress(
        progressSample((now - started) / 1000, Math.min(0.99, (now - started) / span)),
      );
      sent++;
    }, intervalMs);
  });
  return sent;
}

/** The repository health the server refreshes after backups (restic snapshots + stats + locks). */
export function healthResult(): ExecutionResult {
  const result: THealthResult = {
    kind: "health",
    snapshotCount: 1000,
    hosts: [],
    totalSize: 2e12,
    rawSize: 8e11,
    uncompressedSize: null,
    locks: [],
  };
  return { outcome: "succeeded", exitCode: 0, error: null, result };
}
