import { ResticOutputError } from "../errors.js";
import type { ExecOutcome } from "../exec.js";
import { stripAnsi } from "../lines.js";

/** A run that ended without what the command must print (a summary, a statistics line). */
export function missingOutput(command: string, what: string, outcome: ExecOutcome) {
  const notes =
    outcome.notes.length > 0 ? `; it printed: ${outcome.notes.slice(-5).join(" | ")}` : "";
  return new ResticOutputError(
    `restic ${command} exited with code ${outcome.exitCode ?? "none"} without ${what}${notes}`,
    { command, exitCode: outcome.exitCode, stderrTail: outcome.stderrTail },
  );
}

/** stdout of a `buffer` run as non-empty text lines. */
export function textLines(outcome: ExecOutcome): string[] {
  return stripAnsi(outcome.stdout.toString("utf8"))
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim().length > 0);
}

export function clampFraction(value: number): number {
  return Math.min(1, Math.max(0, value));
}
