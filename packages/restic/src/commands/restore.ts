import {
  type TRestoreProgress,
  type TRestoreResult,
  ZRestoreOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { flag, flags, optionalFlag, switchFlag } from "../args.js";
import { type ProgressRunOptions, type ResticContext, resolveOptions } from "../context.js";
import { clampFraction } from "./shared.js";
import { runStreamingCommand, ZItemErrorMessage, ZVerboseStatus } from "./streaming.js";

export type RestoreOptions = z.input<typeof ZRestoreOptions>;

const count = z.number().int().nonnegative();

const ZStatus = z.object({
  message_type: z.literal("status"),
  seconds_elapsed: z.number().nonnegative().optional(),
  percent_done: z.number(),
  total_files: count.optional(),
  files_restored: count.optional(),
  files_skipped: count.optional(),
  files_deleted: count.optional(),
  total_bytes: z.number().nonnegative().optional(),
  bytes_restored: z.number().nonnegative().optional(),
  bytes_skipped: z.number().nonnegative().optional(),
});

const ZSummary = ZStatus.omit({ message_type: true, percent_done: true }).extend({
  message_type: z.literal("summary"),
});

const ZRestoreMessage = z.discriminatedUnion("message_type", [
  ZStatus,
  ZSummary,
  ZVerboseStatus,
  ZItemErrorMessage,
]);

export function restoreArgs(input: RestoreOptions): string[] {
  const options = ZRestoreOptions.parse(input);
  return [
    "restore",
    "--json",
    flag("target", options.target),
    ...flags("include", options.includes),
    ...flags("exclude", options.excludes),
    ...flags("iinclude", options.iincludes),
    ...flags("iexclude", options.iexcludes),
    ...optionalFlag("overwrite", options.overwrite),
    ...switchFlag("delete", options.delete),
    ...switchFlag("verify", options.verify),
    ...switchFlag("dry-run", options.dryRun),
    ...optionalFlag("limit-download", options.limitDownload),
    "--",
    options.snapshotId,
  ];
}

/** The counters restic reports both while it restores and in its summary. */
function toCounts(counts: Omit<z.infer<typeof ZSummary>, "message_type">) {
  return {
    totalFiles: counts.total_files ?? 0,
    filesRestored: counts.files_restored ?? 0,
    filesSkipped: counts.files_skipped ?? 0,
    filesDeleted: counts.files_deleted ?? 0,
    totalBytes: counts.total_bytes ?? 0,
    bytesRestored: counts.bytes_restored ?? 0,
    bytesSkipped: counts.bytes_skipped ?? 0,
  };
}

function toProgress(status: z.infer<typeof ZStatus>): TRestoreProgress {
  return {
    kind: "restore",
    percentDone: clampFraction(status.percent_done),
    secondsElapsed: status.seconds_elapsed ?? 0,
    ...toCounts(status),
  };
}

export async function restore(
  context: ResticContext,
  input: RestoreOptions,
  run: ProgressRunOptions<TRestoreProgress> = {},
): Promise<TRestoreResult> {
  const options = resolveOptions(context);
  const { summary, itemErrors, itemErrorCount } = await runStreamingCommand(options, {
    command: "restore",
    args: restoreArgs(input),
    messages: ZRestoreMessage,
    toProgress,
    signal: run.signal,
    onProgress: run.onProgress,
  });
  return {
    kind: "restore",
    summary: { secondsElapsed: summary.seconds_elapsed ?? null, ...toCounts(summary) },
    itemErrors,
    itemErrorCount,
  };
}
