import {
  type TBackupProgress,
  type TBackupResult,
  ZBackupOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { flag, flags, optionalFlag, switchFlag } from "../args.js";
import { type ProgressRunOptions, type ResticContext, resolveOptions } from "../context.js";
import { toBackupSummary, ZResticBackupSummary } from "../schemas/snapshot.js";
import { clampFraction } from "./shared.js";
import { runStreamingCommand, ZItemErrorMessage, ZVerboseStatus } from "./streaming.js";

export type BackupOptions = z.input<typeof ZBackupOptions>;

const ZStatus = z.object({
  message_type: z.literal("status"),
  seconds_elapsed: z.number().nonnegative().optional(),
  seconds_remaining: z.number().nonnegative().optional(),
  percent_done: z.number(),
  total_files: z.number().int().nonnegative().optional(),
  files_done: z.number().int().nonnegative().optional(),
  total_bytes: z.number().nonnegative().optional(),
  bytes_done: z.number().nonnegative().optional(),
  error_count: z.number().int().nonnegative().optional(),
  current_files: z.array(z.string()).nullish(),
});

const ZSummary = ZResticBackupSummary.extend({
  message_type: z.literal("summary"),
  snapshot_id: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  dry_run: z.boolean().optional(),
});

const ZBackupMessage = z.discriminatedUnion("message_type", [
  ZStatus,
  ZSummary,
  ZVerboseStatus,
  ZItemErrorMessage,
]);

/** Exit code 3: some source files could not be read, yet the snapshot was written. */
const EXIT_PARTIAL = 3;

export function backupArgs(input: BackupOptions): string[] {
  const options = ZBackupOptions.parse(input);
  return [
    "backup",
    "--json",
    ...flags("exclude", options.excludes),
    ...flags("iexclude", options.iexcludes),
    ...flags("exclude-file", options.excludeFiles),
    ...switchFlag("exclude-caches", options.excludeCaches),
    ...flags("exclude-if-present", options.excludeIfPresent),
    ...optionalFlag("exclude-larger-than", options.excludeLargerThan),
    ...switchFlag("one-file-system", options.oneFileSystem),
    ...flags("tag", options.tags),
    ...optionalFlag("host", options.host),
    ...optionalFlag("parent", options.parent),
    ...switchFlag("dry-run", options.dryRun),
    ...switchFlag("use-fs-snapshot", options.useFsSnapshot),
    ...switchFlag("skip-if-unchanged", options.skipIfUnchanged),
    ...optionalFlag("limit-upload", options.limitUpload),
    ...(options.compression ? [flag("compression", options.compression)] : []),
    "--",
    ...options.paths,
  ];
}

function toProgress(status: z.infer<typeof ZStatus>): TBackupProgress {
  return {
    kind: "backup",
    percentDone: clampFraction(status.percent_done),
    secondsElapsed: status.seconds_elapsed ?? 0,
    secondsRemaining: status.seconds_remaining ?? null,
    totalFiles: status.total_files ?? 0,
    filesDone: status.files_done ?? 0,
    totalBytes: status.total_bytes ?? 0,
    bytesDone: status.bytes_done ?? 0,
    errorCount: status.error_count ?? 0,
    currentFiles: status.current_files ?? [],
  };
}

/**
 * Runs `restic backup`. Exit code 3 (unreadable source files) still yields a snapshot and is
 * returned as `status: "partial"` with the item errors, not thrown.
 */
export async function backup(
  context: ResticContext,
  input: BackupOptions,
  run: ProgressRunOptions<TBackupProgress> = {},
): Promise<TBackupResult> {
  const options = resolveOptions(context);
  const { exitCode, summary, itemErrors, itemErrorCount } = await runStreamingCommand(options, {
    command: "backup",
    args: backupArgs(input),
    messages: ZBackupMessage,
    toProgress,
    okExitCodes: [0, EXIT_PARTIAL],
    signal: run.signal,
    onProgress: run.onProgress,
  });
  return {
    kind: "backup",
    status: exitCode === EXIT_PARTIAL ? "partial" : "complete",
    snapshotId: summary.snapshot_id ?? null,
    dryRun: summary.dry_run ?? false,
    summary: toBackupSummary(summary),
    itemErrors,
    itemErrorCount,
  };
}
