import type { TItemError } from "@restic-manager/contracts";
import { globalArgs, type ResolvedOptions } from "./context.js";
import { buildResticEnvironment, secretValues } from "./environment.js";
import {
  ResticCancelledError,
  ResticError,
  type ResticErrorDetails,
  ResticOutputLimitError,
  ResticSpawnError,
} from "./errors.js";
import { BoundedTail, LineSplitter, stripAnsi } from "./lines.js";
import type { ParseContext } from "./output.js";
import { createRedactor, type Redactor } from "./redact.js";
import type { ProcessExit, RunningProcess } from "./runner.js";
import { StderrCollector } from "./stderr.js";

/** How a command wants restic's stdout. */
export type StdoutHandling =
  /** One JSON value per line. `onMessage` returns true when it kept the value (counts against the ceiling). */
  | {
      kind: "json-lines";
      onMessage: (value: unknown, line: string, context: ParseContext) => boolean;
    }
  /** The whole output as one buffer (a JSON document, a small dump), up to the ceiling. */
  | { kind: "buffer" }
  /** Passed on chunk by chunk (a dump into a file); nothing is kept. */
  | { kind: "stream"; write: (chunk: Uint8Array) => void | Promise<void> };

export interface ExecRequest {
  /** The subcommand, for messages: `backup`, `cat config`, … */
  command: string;
  args: readonly string[];
  stdout: StdoutHandling;
  signal?: AbortSignal | undefined;
}

export interface ExecOutcome {
  exitCode: number | null;
  signal: string | null;
  /** The run was aborted through its signal but restic still exited 0. */
  cancelled: boolean;
  /** `buffer` handling only. */
  stdout: Buffer;
  /** Non-JSON stdout lines seen in `json-lines` handling, redacted, bounded. */
  notes: readonly string[];
  stderrTail: string;
  /** restic's own last word (`exit_error` on stderr, restic ≥ 0.17). */
  exitError: { code: number; message: string } | null;
  /** Item-level errors restic reported on stderr (the first few; the count is of all). */
  itemErrors: TItemError[];
  itemErrorCount: number;
  redact: Redactor;
}

const MAX_NOTES_CHARS = 4096;

/**
 * Runs restic once: environment from the allow-list, secrets only there, output bounded,
 * cancellation by SIGINT (restic removes its lock) and SIGKILL after the grace period.
 * Resolves with what happened for every exit code; commands decide what a code means.
 */
export async function execRestic(
  options: ResolvedOptions,
  request: ExecRequest,
): Promise<ExecOutcome> {
  const { command, signal } = request;
  const redact = createRedactor(secretValues(options.repository));
  const details = (exitCode: number | null, stderrTail = ""): ResticErrorDetails => ({
    command,
    exitCode,
    stderrTail,
  });
  if (signal?.aborted) {
    throw new ResticCancelledError(
      `restic ${command} was cancelled before it started`,
      details(null),
    );
  }

  const env = buildResticEnvironment({
    inherit: options.inheritEnv,
    repository: options.repository,
    extra:
      options.progressFps === undefined ? {} : { RESTIC_PROGRESS_FPS: String(options.progressFps) },
  });
  const args = [...globalArgs(options), ...request.args];

  let child: RunningProcess;
  try {
    child = options.runner({ command: options.bin, args, env, cwd: options.cwd });
  } catch (error) {
    throw spawnError(options.bin, error, redact, details(null));
  }
  options.onCommand?.(args.map(redact));

  let exited = false;
  let stopping = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  let failure: Error | undefined;

  const stop = () => {
    if (stopping || exited) return;
    stopping = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL");
    }, options.killGraceMs);
  };
  const fail = (error: Error) => {
    failure ??= error;
    stop();
  };
  const onAbort = () => {
    cancelled = true;
    stop();
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  const stdoutChunks: Buffer[] = [];
  let retained = 0;
  const notes = new BoundedTail(MAX_NOTES_CHARS);
  const stderr = new StderrCollector(options.stderrTailChars, redact, options.onStderrLine);
  const limitError = () =>
    new ResticOutputLimitError(
      `restic ${command} produced more than ${options.maxOutputBytes} bytes of output; it was stopped`,
      details(null),
    );

  const parseContext: ParseContext = { command, redact };
  const handleStdoutLine = (
    line: string,
    onMessage: (value: unknown, line: string, context: ParseContext) => boolean,
  ) => {
    const trimmed = line.trim();
    if (trimmed.length === 0) return;
    let value: unknown;
    try {
      if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) throw new SyntaxError("text");
      value = JSON.parse(trimmed);
    } catch {
      // Kept for the error message: restic sometimes prints plain text despite --json.
      notes.push(redact(stripAnsi(trimmed)));
      return;
    }
    if (onMessage(value, trimmed, parseContext)) {
      retained += trimmed.length;
      if (retained > options.maxOutputBytes) fail(limitError());
    }
  };

  const consumeStdout = async () => {
    const handling = request.stdout;
    const splitter = new LineSplitter(options.maxOutputBytes);
    for await (const chunk of child.stdout) {
      if (failure) continue; // keep draining so restic is never blocked on a full pipe
      try {
        if (handling.kind === "buffer") {
          retained += chunk.byteLength;
          if (retained > options.maxOutputBytes) fail(limitError());
          else stdoutChunks.push(Buffer.from(chunk));
        } else if (handling.kind === "stream") {
          await handling.write(chunk);
        } else {
          const { lines, overflow } = splitter.push(chunk);
          for (const line of lines) {
            if (!failure) handleStdoutLine(line, handling.onMessage);
          }
          if (overflow) fail(limitError());
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (handling.kind === "json-lines" && !failure) {
      try {
        for (const line of splitter.end()) handleStdoutLine(line, handling.onMessage);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
  };

  const consumeStderr = async () => {
    for await (const chunk of child.stderr) stderr.push(chunk);
    stderr.end();
  };

  let startError: unknown;
  let exit: ProcessExit = { code: null, signal: null };
  try {
    await Promise.all([
      child.exited.then(
        (result) => {
          exit = result;
        },
        (error: unknown) => {
          startError = error;
        },
      ),
      // A stream that errors (the process never started) just ends the consumption.
      consumeStdout().catch(() => undefined),
      consumeStderr().catch(() => undefined),
    ]);
  } finally {
    exited = true;
    clearTimeout(killTimer);
    signal?.removeEventListener("abort", onAbort);
  }

  const tail = stderr.tail();
  if (startError !== undefined) throw spawnError(options.bin, startError, redact, details(null));
  if (cancelled && exit.code !== 0) {
    throw new ResticCancelledError(`restic ${command} was cancelled`, details(exit.code, tail));
  }
  if (failure) {
    if (failure instanceof ResticError) {
      throw withDetails(failure, details(exit.code, tail));
    }
    throw failure;
  }
  return {
    exitCode: exit.code,
    signal: exit.signal,
    cancelled,
    stdout: Buffer.concat(stdoutChunks),
    notes: notes.all,
    stderrTail: tail,
    exitError: stderr.exitError,
    itemErrors: stderr.itemErrors,
    itemErrorCount: stderr.itemErrorCount,
    redact,
  };
}

function spawnError(
  bin: string,
  error: unknown,
  redact: Redactor,
  details: ResticErrorDetails,
): ResticSpawnError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ResticSpawnError(redact(`could not start restic (${bin}): ${reason}`), details);
}

/** Errors raised while parsing carry no exit code or stderr yet; add them once restic is gone. */
function withDetails(error: ResticError, details: ResticErrorDetails): ResticError {
  error.exitCode = details.exitCode;
  error.stderrTail = details.stderrTail;
  return error;
}
