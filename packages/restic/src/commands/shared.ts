import type { z } from "zod";
import type { ResolvedOptions } from "../context.js";
import { ResticOutputError } from "../errors.js";
import { type ExecOutcome, type ExecRequest, execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { stripAnsi } from "../lines.js";
import { parseDocument } from "../output.js";

/** Runs restic with its whole stdout kept, and throws unless it exited 0. */
export async function execBuffered(
  options: ResolvedOptions,
  request: Omit<ExecRequest, "stdout">,
): Promise<ExecOutcome> {
  const outcome = await execRestic(options, { ...request, stdout: { kind: "buffer" } });
  ensureExit(outcome, request.command);
  return outcome;
}

/** A buffered run's stdout, validated as one JSON document. */
export function parseStdout<T>(schema: z.ZodType<T>, outcome: ExecOutcome, command: string): T {
  return parseDocument(schema, outcome.stdout.toString("utf8"), {
    command,
    redact: outcome.redact,
  });
}

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
