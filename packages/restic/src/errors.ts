import type {
  TCheckResult,
  TDrillResult,
  TResticErrorCode,
  TResticErrorReport,
} from "@restic-manager/contracts";

export interface ResticErrorDetails {
  /** The restic subcommand, e.g. `backup`. */
  command: string;
  exitCode: number | null;
  /** The end of restic's stderr, secrets redacted, bounded. */
  stderrTail: string;
}

/**
 * Every failure of a restic run. `code` discriminates; the subclasses exist so callers can
 * `instanceof` the cases they handle. Messages and tails are redacted before they get here.
 */
export abstract class ResticError extends Error {
  abstract readonly code: TResticErrorCode;
  readonly command: string;
  /** Filled in once restic has exited when the error was raised while it still ran. */
  exitCode: number | null;
  stderrTail: string;

  constructor(message: string, details: ResticErrorDetails) {
    super(message);
    this.name = new.target.name;
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }

  toReport(): TResticErrorReport {
    return {
      code: this.code,
      message: this.message,
      exitCode: this.exitCode,
      stderrTail: this.stderrTail,
    };
  }
}

/** Exit code 1: the command failed (see the message). */
export class ResticFatalError extends ResticError {
  readonly code = "fatal" as const;
}

/** Exit code 10 (or its message on restic < 0.17). */
export class ResticRepositoryNotFoundError extends ResticError {
  readonly code = "no_repository" as const;
}

/** Exit code 11: another restic holds a conflicting lock (possibly a stale one). */
export class ResticRepositoryLockedError extends ResticError {
  readonly code = "locked" as const;
}

/** Exit code 12: wrong password or no key for it. */
export class ResticWrongPasswordError extends ResticError {
  readonly code = "wrong_password" as const;
}

/** Exit code 130: restic was interrupted by a signal that did not come from this wrapper. */
export class ResticInterruptedError extends ResticError {
  readonly code = "interrupted" as const;
}

/** The run was stopped through its AbortSignal. */
export class ResticCancelledError extends ResticError {
  readonly code = "cancelled" as const;
}

/** `check` finished and found problems; `result` holds what it reported. */
export class ResticCheckFailedError extends ResticError {
  readonly code = "check_failed" as const;
  readonly result: TCheckResult;

  constructor(message: string, details: ResticErrorDetails & { result: TCheckResult }) {
    super(message, details);
    this.result = details.result;
  }
}

/**
 * A restore drill found a file it could not restore or verify, or had nothing to check.
 * `result` says what it checked (null when it did not get as far as a sample).
 */
export class ResticDrillFailedError extends ResticError {
  readonly code = "check_failed" as const;
  readonly result: TDrillResult | null;

  constructor(message: string, details: ResticErrorDetails & { result: TDrillResult | null }) {
    super(message, details);
    this.result = details.result;
  }
}

/** restic printed something this wrapper cannot trust: bad JSON shape, unknown message, no summary. */
export class ResticOutputError extends ResticError {
  readonly code = "invalid_output" as const;
}

/** restic produced more output than the configured ceiling; it was stopped. */
export class ResticOutputLimitError extends ResticError {
  readonly code = "output_limit" as const;
}

export class ResticVersionError extends ResticError {
  readonly code = "unsupported_version" as const;
  readonly found: string;
  readonly required: string;

  constructor(details: ResticErrorDetails & { found: string; required: string }) {
    super(
      `restic ${details.found} is too old: restic-manager needs restic ${details.required} or newer`,
      details,
    );
    this.found = details.found;
    this.required = details.required;
  }
}

/** The restic binary could not be started (missing, not executable). */
export class ResticSpawnError extends ResticError {
  readonly code = "spawn_failed" as const;
}

/** An exit code restic does not document for this command: treated as a failure. */
export class ResticUnknownExitError extends ResticError {
  readonly code = "unknown_exit" as const;
}

export function isResticError(error: unknown): error is ResticError {
  return error instanceof ResticError;
}
