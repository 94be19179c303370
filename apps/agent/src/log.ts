/** The agent's own log: JSON lines on stderr (journald and the Windows event log keep them). */
export interface Log {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** Why lines are being dropped once the output has failed (`write EPIPE`); null while it works. */
  readonly failure: string | null;
}

/** Where lines go. A sink fails by throwing from `write` or, like a stream, by a later 'error'. */
export interface LogSink {
  write(line: string): void;
  onError(listener: (error: Error) => void): void;
}

/**
 * A stream as a sink. Its 'error' events are always listened to, so a stream whose reader has
 * gone (EPIPE) cannot end the process, whoever wrote to it (a log line, a stray console.log).
 */
export function streamSink(stream: NodeJS.WritableStream): LogSink {
  return {
    write: (line) => void stream.write(line),
    onError: (listener) => void stream.on("error", listener),
  };
}

function formatLine(level: string, event: string, fields?: Record<string, unknown>): string {
  const time = new Date().toISOString();
  try {
    return `${JSON.stringify({ time, level, event, ...fields })}\n`;
  } catch (error) {
    // A field JSON cannot carry (a cycle, a bigint) costs the fields, not the line.
    return `${JSON.stringify({ time, level, event, unloggable: (error as Error).message })}\n`;
  }
}

/**
 * The log writes to `sink` until it fails; then the failure is said once on `fallback`, and
 * later lines are dropped. The agent's stderr is often a pipe whose reader may go away: losing
 * log lines is better than losing the agent and the restic it runs (and leaving its lock).
 */
export function createLog({ sink, fallback }: { sink: LogSink; fallback?: LogSink }): Log {
  let failure: string | null = null;
  let fallbackWorks = fallback !== undefined;
  fallback?.onError(() => {
    fallbackWorks = false;
  });

  const fail = (error: unknown) => {
    if (failure !== null) return;
    failure = error instanceof Error ? error.message : String(error);
    if (!fallback || !fallbackWorks) return;
    try {
      fallback.write(
        formatLine("error", "log.output_failed", {
          message: failure,
          note: "the log output failed; later log lines are dropped",
        }),
      );
    } catch {
      fallbackWorks = false;
    }
  };
  sink.onError(fail);

  const emit = (level: string, event: string, fields?: Record<string, unknown>) => {
    if (failure !== null) return;
    try {
      sink.write(formatLine(level, event, fields));
    } catch (error) {
      fail(error);
    }
  };
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    get failure() {
      return failure;
    },
  };
}
