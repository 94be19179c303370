import { type TCheckResult, ZCheckOptions } from "@restic-manager/contracts";
import { z } from "zod";
import { optionalFlag, switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { ResticCheckFailedError } from "../errors.js";
import { execRestic } from "../exec.js";
import { errorForExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { missingOutput } from "./shared.js";

export type CheckOptions = z.input<typeof ZCheckOptions>;

const ZSummary = z.object({
  message_type: z.literal("summary"),
  num_errors: z.number().int().nonnegative(),
  broken_packs: z.array(z.string()).nullish(),
  suggest_repair_index: z.boolean().optional(),
  suggest_prune: z.boolean().optional(),
});

/** Problems go to stderr; restic may also print them on stdout in JSON mode. */
const ZError = z.object({ message_type: z.literal("error"), message: z.string() });

const MESSAGE_TYPES = ["summary", "error"] as const;
const ZCheckMessage = z.discriminatedUnion("message_type", [ZSummary, ZError]);

/** restic < 0.18 prints check results as text only. */
const NO_ERRORS_TEXT = /no errors were found/i;
const MAX_ERRORS = 50;

export function checkArgs(input: CheckOptions = {}): string[] {
  const options = ZCheckOptions.parse(input);
  return [
    "check",
    "--json",
    ...switchFlag("read-data", options.readData),
    ...optionalFlag("read-data-subset", options.readDataSubset),
    ...switchFlag("with-cache", options.withCache),
  ];
}

/**
 * Runs `restic check`. A check that finds damage (exit code 1 with a summary) throws
 * `ResticCheckFailedError` carrying the result; other failures throw their own errors.
 */
export async function check(
  context: ResticContext,
  input: CheckOptions = {},
  run: RunOptions = {},
): Promise<TCheckResult> {
  const options = resolveOptions(context);
  const seen: { summary: z.infer<typeof ZSummary> | null } = { summary: null };
  const stdoutErrors: string[] = [];
  const outcome = await execRestic(options, {
    command: "check",
    args: checkArgs(input),
    signal: run.signal,
    stdout: {
      kind: "json-lines",
      onMessage(value, line, parse) {
        const message = parseMessage(ZCheckMessage, MESSAGE_TYPES, value, line, parse);
        if (message.message_type === "summary") seen.summary = message;
        else stdoutErrors.push(parse.redact(message.message.trim()));
        return true;
      },
    },
  });
  const errors = [...stdoutErrors, ...outcome.itemErrors.map((error) => error.message)]
    .filter((message) => message.length > 0)
    .slice(0, MAX_ERRORS);
  const summary = seen.summary;
  if (summary === null) {
    if (outcome.exitCode === 0 && outcome.notes.some((note) => NO_ERRORS_TEXT.test(note))) {
      return {
        kind: "check",
        ok: true,
        numErrors: 0,
        brokenPacks: [],
        suggestRepairIndex: false,
        suggestPrune: false,
        errors: [],
      };
    }
    if (outcome.exitCode !== 0) throw errorForExit(outcome, "check");
    throw missingOutput("check", "its summary", outcome);
  }
  const result: TCheckResult = {
    kind: "check",
    ok: outcome.exitCode === 0 && summary.num_errors === 0,
    numErrors: summary.num_errors,
    brokenPacks: summary.broken_packs ?? [],
    suggestRepairIndex: summary.suggest_repair_index ?? false,
    suggestPrune: summary.suggest_prune ?? false,
    errors,
  };
  if (result.ok) return result;
  // Only a summary that counts errors makes this a failed check rather than a failed run.
  const checkFoundErrors =
    summary.num_errors > 0 && (outcome.exitCode === 0 || outcome.exitCode === 1);
  if (!checkFoundErrors) throw errorForExit(outcome, "check");
  throw new ResticCheckFailedError(
    `restic check found ${summary.num_errors} error(s)${result.brokenPacks.length > 0 ? ` and ${result.brokenPacks.length} damaged pack(s)` : ""}: ${errors[0] ?? outcome.exitError?.message ?? "see stderr"}`,
    { command: "check", exitCode: outcome.exitCode, stderrTail: outcome.stderrTail, result },
  );
}
