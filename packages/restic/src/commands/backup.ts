import {
  type TBackupProgress,
  type TBackupResult,
  type TItemError,
  ZBackupOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { flag, flags, optionalFlag, switchFlag } from "../args.js";
import { type ProgressRunOptions, type ResticContext, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { toBackupSummary, ZResticBackupSummary } from "../schemas/snapshot.js";
import { createThrottle } from "../throttle.js";
import { clampFraction, missingOutput } from "./shared.js";

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

/** With `-v`; restic ≥ 0.16 names the scan result `scan_finished`. Not kept. */
const ZVerboseStatus = z.object({
  message_type: z.literal("verbose_status"),
  action: z.string(),
  item: z.string().optional(),
});

const ZItemErrorMessage = z.object({
  message_type: z.literal("error"),
  error: z.object({ message: z.string() }),
  during: z.string().optional(),
  item: z.string().optional(),
});

const MESSAGE_TYPES = ["status", "summary", "verbose_status", "error"] as const;
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
  const args = backupArgs(input);
  const { onProgress } = run;
  const progress = onProgress ? createThrottle(onProgress, options.progressIntervalMs) : null;
  const seen: { summary: z.infer<typeof ZSummary> | null } = { summary: null };
  const stdoutErrors: TItemError[] = [];

  try {
    const outcome = await execRestic(options, {
      command: "backup",
      args,
      signal: run.signal,
      stdout: {
        kind: "json-lines",
        onMessage(value, line, parse) {
          const message = parseMessage(ZBackupMessage, MESSAGE_TYPES, value, line, parse);
          switch (message.message_type) {
            case "status":
              progress?.push(toProgress(message));
              return false;
            case "summary":
              seen.summary = message;
              return true;
            case "verbose_status":
              return false;
            case "error":
              stdoutErrors.push({
                item: message.item === undefined ? null : parse.redact(message.item),
                during: message.during ?? null,
                message: parse.redact(message.error.message),
              });
              return true;
            default: {
              const unreachable: never = message;
              return unreachable;
            }
          }
        },
      },
    });
    ensureExit(outcome, "backup", [0, EXIT_PARTIAL]);
    const done = seen.summary;
    if (done === null) throw missingOutput("backup", "its summary", outcome);
    const itemErrors = [...stdoutErrors, ...outcome.itemErrors];
    return {
      kind: "backup",
      status: outcome.exitCode === EXIT_PARTIAL ? "partial" : "complete",
      snapshotId: done.snapshot_id ?? null,
      dryRun: done.dry_run ?? false,
      summary: toBackupSummary(done),
      itemErrors: itemErrors.slice(0, 50),
      itemErrorCount: stdoutErrors.length + outcome.itemErrorCount,
    };
  } finally {
    progress?.flush();
  }
}
