import type { TItemError } from "@restic-manager/contracts";
import { z } from "zod";
import type { ProgressRunOptions, ResolvedOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { createThrottle } from "../throttle.js";
import { missingOutput } from "./shared.js";

/** With `-v`; restic ≥ 0.16 names the scan result `scan_finished`. Not kept. */
export const ZVerboseStatus = z.object({
  message_type: z.literal("verbose_status"),
  action: z.string(),
  item: z.string().optional(),
});

/** One file restic could not read or write; the run goes on without it. */
export const ZItemErrorMessage = z.object({
  message_type: z.literal("error"),
  error: z.object({ message: z.string() }),
  during: z.string().optional(),
  item: z.string().optional(),
});

/** What a streaming command may print, in the order an unknown `message_type` error lists it. */
const MESSAGE_TYPES = ["status", "summary", "verbose_status", "error"] as const;

const MAX_ITEM_ERRORS = 50;

type StreamedMessage =
  | { message_type: "status" }
  | { message_type: "summary" }
  | z.infer<typeof ZVerboseStatus>
  | z.infer<typeof ZItemErrorMessage>;

type OfType<M, Type extends StreamedMessage["message_type"]> = Extract<M, { message_type: Type }>;

export interface StreamingRequest<M extends StreamedMessage, P> extends ProgressRunOptions<P> {
  command: string;
  args: readonly string[];
  /** The command's own status and summary schemas with the two above, as one discriminated union. */
  messages: z.ZodType<M>;
  toProgress: (status: OfType<M, "status">) => P;
  /** Exit codes that still mean the command did its work (default: 0). */
  okExitCodes?: readonly number[];
}

export interface StreamingOutcome<Summary> {
  exitCode: number | null;
  summary: Summary;
  /** From stdout and stderr, the first few; the count is of all. */
  itemErrors: TItemError[];
  itemErrorCount: number;
}

/** A `switch` cannot narrow a generic union; this guard keeps each branch the command's own type. */
function isType<M extends StreamedMessage, Type extends M["message_type"]>(
  message: M,
  type: Type,
): message is OfType<M, Type> {
  return message.message_type === type;
}

/**
 * Runs a command that streams `--json` status lines and ends with a summary (backup, restore):
 * every line validated, progress throttled with the last status always delivered, item errors
 * collected from both streams, and the summary required.
 */
export async function runStreamingCommand<M extends StreamedMessage, P>(
  options: ResolvedOptions,
  request: StreamingRequest<M, P>,
): Promise<StreamingOutcome<OfType<M, "summary">>> {
  const { command, onProgress } = request;
  const progress = onProgress ? createThrottle(onProgress, options.progressIntervalMs) : null;
  const seen: { summary: OfType<M, "summary"> | null } = { summary: null };
  const stdoutErrors: TItemError[] = [];
  // restic prints 60 status lines a second with --json unless told otherwise; no more are
  // read than progress delivers (every line is parsed and checked, which is most of what
  // running restic costs the agent).
  const statusFps = options.progressFps ?? 1000 / options.progressIntervalMs;
  try {
    const outcome = await execRestic(
      { ...options, progressFps: statusFps },
      {
        command,
        args: request.args,
        signal: request.signal,
        stdout: {
          kind: "json-lines",
          onMessage(value, line, parse) {
            const message = parseMessage(request.messages, MESSAGE_TYPES, value, line, parse);
            if (isType(message, "status")) {
              progress?.push(request.toProgress(message));
              return false;
            }
            if (isType(message, "summary")) {
              seen.summary = message;
              return true;
            }
            if (isType(message, "error")) {
              stdoutErrors.push({
                item: message.item === undefined ? null : parse.redact(message.item),
                during: message.during ?? null,
                message: parse.redact(message.error.message),
              });
              return true;
            }
            // verbose_status: nothing is kept.
            return false;
          },
        },
      },
    );
    ensureExit(outcome, command, request.okExitCodes);
    const summary = seen.summary;
    if (summary === null) throw missingOutput(command, "its summary", outcome);
    return {
      exitCode: outcome.exitCode,
      summary,
      itemErrors: [...stdoutErrors, ...outcome.itemErrors].slice(0, MAX_ITEM_ERRORS),
      itemErrorCount: stdoutErrors.length + outcome.itemErrorCount,
    };
  } finally {
    progress?.flush();
  }
}
