import {
  type ResticError,
  type ResticErrorDetails,
  ResticFatalError,
  ResticInterruptedError,
  ResticRepositoryLockedError,
  ResticRepositoryNotFoundError,
  ResticUnknownExitError,
  ResticWrongPasswordError,
} from "./errors.js";
import type { ExecOutcome } from "./exec.js";

/**
 * The error for a run that did not succeed. restic < 0.17 exits 1 for everything, so its
 * messages are recognised too.
 */
export function errorForExit(outcome: ExecOutcome, command: string): ResticError {
  // An empty exit error says nothing: the stderr tail is the better explanation then.
  const detail =
    (outcome.exitError?.message || undefined) ??
    lastLines(outcome.stderrTail) ??
    outcome.notes.at(-1) ??
    "no error message";
  const details: ResticErrorDetails = {
    command,
    exitCode: outcome.exitCode,
    stderrTail: outcome.stderrTail,
  };
  const code = outcome.exitCode;
  const described =
    code === null
      ? `restic ${command} was killed by ${outcome.signal ?? "a signal"}: ${detail}`
      : `restic ${command} failed (exit code ${code}): ${detail}`;
  switch (code) {
    case 10:
      return new ResticRepositoryNotFoundError(described, details);
    case 11:
      return new ResticRepositoryLockedError(described, details);
    case 12:
      return new ResticWrongPasswordError(described, details);
    case 130:
      return new ResticInterruptedError(described, details);
    case 1:
      return classifyFatal(described, detail, details);
    case null:
      return outcome.signal === "SIGINT"
        ? new ResticInterruptedError(described, details)
        : new ResticFatalError(described, details);
    default:
      return new ResticUnknownExitError(described, details);
  }
}

function classifyFatal(described: string, detail: string, details: ResticErrorDetails) {
  if (/wrong password or no key found/i.test(detail)) {
    return new ResticWrongPasswordError(described, details);
  }
  if (/repository does not exist/i.test(detail)) {
    return new ResticRepositoryNotFoundError(described, details);
  }
  if (/repository is already locked/i.test(detail)) {
    return new ResticRepositoryLockedError(described, details);
  }
  return new ResticFatalError(described, details);
}

function lastLines(tail: string): string | undefined {
  const lines = tail.split("\n").filter((line) => line.trim().length > 0 && !line.startsWith("["));
  const last = lines.slice(-5).join("\n");
  return last.length > 0 ? last : undefined;
}

/** Throws unless restic exited with one of `ok` (default: 0). */
export function ensureExit(outcome: ExecOutcome, command: string, ok: readonly number[] = [0]) {
  if (outcome.exitCode === null || !ok.includes(outcome.exitCode)) {
    throw errorForExit(outcome, command);
  }
}
