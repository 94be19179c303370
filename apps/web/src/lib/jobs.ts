import {
  type TJobResult,
  type TJobState,
  type TResticProgress,
  ZJobResult,
  ZJobState,
  ZResticProgress,
} from "@restic-manager/contracts";
import type { BadgeTone } from "../components/ui/Badge";

export { isActiveState, laterState } from "./jobStates";

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

export function isRetryableState(state: string): boolean {
  return RETRYABLE.includes(state);
}

export function stateTone(state: string): BadgeTone {
  return isJobState(state) ? TONES[state] : "neutral";
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
