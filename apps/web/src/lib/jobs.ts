import {
  type TJobResult,
  type TJobState,
  type TResticProgress,
  ZJobResult,
  ZJobState,
  ZResticProgress,
} from "@restic-manager/contracts";
import type { BadgeTone } from "../components/ui/Badge";

const ACTIVE: readonly string[] = ["queued", "dispatched", "running"];
const RETRYABLE: readonly string[] = ["failed", "cancelled", "lost"];

const TONES: Record<TJobState, BadgeTone> = {
  queued: "neutral",
  dispatched: "neutral",
  running: "accent",
  succeeded: "success",
  failed: "danger",
  cancelled: "warning",
  lost: "warning",
};

export function isJobState(state: string): state is TJobState {
  return ZJobState.safeParse(state).success;
}

/** Still waiting or running: its page listens for live events and lists poll while it lasts. */
export function isActiveState(state: string): boolean {
  return ACTIVE.includes(state);
}

export function isRetryableState(state: string): boolean {
  return RETRYABLE.includes(state);
}

export function stateTone(state: string): BadgeTone {
  return isJobState(state) ? TONES[state] : "neutral";
}

/**
 * Orders states so that an older answer never overwrites a newer one: a live event and a
 * reloaded job may arrive in either order.
 */
export function laterState(a: string, b: string): string {
  const rank = (state: string) => (isActiveState(state) ? ACTIVE.indexOf(state) : ACTIVE.length);
  return rank(b) > rank(a) ? b : a;
}

/** Progress and results are stored as JSON; anything that does not match is not shown. */
export function parseProgress(value: unknown): TResticProgress | undefined {
  return value ? ZResticProgress.safeParse(value).data : undefined;
}

export function parseResult(value: unknown): TJobResult | undefined {
  return value ? ZJobResult.safeParse(value).data : undefined;
}

/** One shape for backup and restore progress, for the bar and the figures under it. */
export interface ProgressView {
  fraction: number;
  filesDone: number;
  totalFiles: number;
  bytesDone: number;
  totalBytes: number;
  secondsElapsed: number;
  secondsRemaining: number | null;
  currentFiles: string[];
}

export function progressView(progress: TResticProgress): ProgressView {
  switch (progress.kind) {
    case "backup":
      return {
        fraction: progress.percentDone,
        filesDone: progress.filesDone,
        totalFiles: progress.totalFiles,
        bytesDone: progress.bytesDone,
        totalBytes: progress.totalBytes,
        secondsElapsed: progress.secondsElapsed,
        secondsRemaining: progress.secondsRemaining,
        currentFiles: progress.currentFiles,
      };
    case "restore":
      return {
        fraction: progress.percentDone,
        filesDone: progress.filesRestored + progress.filesSkipped,
        totalFiles: progress.totalFiles,
        bytesDone: progress.bytesRestored + progress.bytesSkipped,
        totalBytes: progress.totalBytes,
        secondsElapsed: progress.secondsElapsed,
        secondsRemaining: null,
        currentFiles: [],
      };
    default: {
      const unknownKind: never = progress;
      return unknownKind;
    }
  }
}
