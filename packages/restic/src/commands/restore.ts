import {
  type TItemError,
  type TRestoreProgress,
  type TRestoreResult,
  ZRestoreOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { flag, flags, optionalFlag, switchFlag } from "../args.js";
import { type ProgressRunOptions, type ResticContext, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { createThrottle } from "../throttle.js";
import { clampFraction, missingOutput } from "./shared.js";

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

function toProgress(status: z.infer<typeof ZStatus>): TRestoreProgress {
  return {
    kind: "restore",
    percentDone: clampFraction(status.percent_done),
    secondsElapsed: status.seconds_elapsed ?? 0,
    totalFiles: status.total_files ?? 0,
    filesRestored: status.files_restored ?? 0,
    filesSkipped: status.files_skipped ?? 0,
    filesDeleted: status.files_deleted ?? 0,
    totalBytes: status.total_bytes ?? 0,
    bytesRestored: status.bytes_restored ?? 0,
    bytesSkipped: status.bytes_skipped ?? 0,
  };
}

export async function restore(
  context: ResticContext,
  input: RestoreOptions,
  run: ProgressRunOptions<TRestoreProgress> = {},
): Promise<TRestoreResult> {
  const options = resolveOptions(context);
  const args = restoreArgs(input);
  const progress = run.onProgress
    ? createThrottle(run.onProgress, options.progressIntervalMs)
    : null;
  const seen: { summary: z.infer<typeof ZSummary> | null } = { summary: null };
  const stdoutErrors: TItemError[] = [];
  try {
    const outcome = await execRestic(options, {
      command: "restore",
      args,
      signal: run.signal,
      stdout: {
        kind: "json-lines",
        onMessage(value, line, parse) {
          const message = parseMessage(ZRestoreMessage, MESSAGE_TYPES, value, line, parse);
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
    ensureExit(outcome, "restore");
    const summary = seen.summary;
    if (summary === null) throw missingOutput("restore", "its summary", outcome);
    const itemErrors = [...stdoutErrors, ...outcome.itemErrors];
    return {
      kind: "restore",
      summary: {
        secondsElapsed: summary.seconds_elapsed ?? null,
        totalFiles: summary.total_files ?? 0,
        filesRestored: summary.files_restored ?? 0,
        filesSkipped: summary.files_skipped ?? 0,
        filesDeleted: summary.files_deleted ?? 0,
        totalBytes: summary.total_bytes ?? 0,
        bytesRestored: summary.bytes_restored ?? 0,
        bytesSkipped: summary.bytes_skipped ?? 0,
      },
      itemErrors: itemErrors.slice(0, 50),
      itemErrorCount: stdoutErrors.length + outcome.itemErrorCount,
    };
  } finally {
    progress?.flush();
  }
}
