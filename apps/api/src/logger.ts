import { pino } from "pino";
import type { LogLevel } from "./config.js";

export type Logger = pino.Logger;

/**
 * stdout, written synchronously. When it fails (the pipe's reader went away, the disk holding
 * the redirected log is full) the server goes on: later lines are dropped rather than retried
 * or buffered without end, and stderr hears of it once.
 */
export function stdoutDestination(): pino.DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: true });
  let failed = false;
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    const notice = {
      level: "error",
      time: new Date().toISOString(),
      service: "restic-manager",
      event: "log.output_failed",
      code: error.code ?? null,
      msg: `the log output failed (${error.message}); later log lines are dropped`,
    };
    guardStandardStreams(); // stderr may have failed too
    process.stderr.write(`${JSON.stringify(notice)}\n`);
  });
  return {
    write(line: string) {
      if (!failed) stdout.write(line);
    },
  };
}

/**
 * Listens to the standard streams' 'error' events, so a write to a closed pipe (EPIPE) from
 * anywhere (a console.error, a runtime warning) cannot end the process.
 */
export function guardStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners("error").includes(ignoreStreamError))
      stream.on("error", ignoreStreamError);
  }
}

function ignoreStreamError(): void {
  // Nothing is left to tell: the stream that would carry the message is the one that failed.
}

/** Structured JSON logs. Field names that may carry secrets are censored wherever they appear. */
export function createLogger(
  level: LogLevel,
  destination: pino.DestinationStream = stdoutDestination(),
): Logger {
  return pino(
    {
      level,
      base: { service: "restic-manager" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "*.currentPassword",
          "*.newPassword",
          "token",
          "*.token",
          "secret",
          "*.secret",
          "req.headers.authorization",
          "req.headers.cookie",
          'res.headers["set-cookie"]',
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
