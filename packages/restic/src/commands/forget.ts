import {
  type TForgetGroup,
  type TForgetResult,
  type TKeepCount,
  ZForgetOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { filterFlags, flag, flags, optionalFlag, switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { parseDocument } from "../output.js";
import { toSnapshot, ZResticSnapshot } from "../schemas/snapshot.js";
import { parsePruneReport } from "./prune.js";
import { execBuffered, textLines } from "./shared.js";

export type ForgetOptions = z.input<typeof ZForgetOptions>;

const ZResticForgetGroup = z.object({
  host: z.string().nullish(),
  paths: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
  keep: z.array(ZResticSnapshot).nullish(),
  remove: z.array(ZResticSnapshot).nullish(),
  reasons: z
    .array(z.object({ snapshot: ZResticSnapshot, matches: z.array(z.string()).nullish() }))
    .nullish(),
});

function keep(name: string, value: TKeepCount | undefined): string[] {
  return optionalFlag(name, value);
}

export function forgetArgs(input: ForgetOptions): string[] {
  const options = ZForgetOptions.parse(input);
  const policy = options.policy ?? {};
  return [
    "forget",
    "--json",
    ...keep("keep-last", policy.keepLast),
    ...keep("keep-hourly", policy.keepHourly),
    ...keep("keep-daily", policy.keepDaily),
    ...keep("keep-weekly", policy.keepWeekly),
    ...keep("keep-monthly", policy.keepMonthly),
    ...keep("keep-yearly", policy.keepYearly),
    ...optionalFlag("keep-within", policy.keepWithin),
    ...flags("keep-tag", policy.keepTags),
    ...(options.groupBy ? [flag("group-by", options.groupBy.join(","))] : []),
    ...filterFlags(options),
    ...switchFlag("dry-run", options.dryRun),
    ...switchFlag("prune", options.prune),
    "--",
    ...(options.snapshotIds ?? []),
  ];
}

function isJsonArray(line: string): boolean {
  if (!line.trimStart().startsWith("[")) return false;
  try {
    return Array.isArray(JSON.parse(line));
  } catch {
    return false;
  }
}

function toGroup(raw: z.infer<typeof ZResticForgetGroup>): TForgetGroup {
  return {
    host: raw.host ? raw.host : null,
    paths: raw.paths ?? [],
    tags: raw.tags ?? [],
    keep: (raw.keep ?? []).map(toSnapshot),
    remove: (raw.remove ?? []).map(toSnapshot),
    reasons: (raw.reasons ?? []).map((reason) => ({
      snapshotId: reason.snapshot.id,
      matches: reason.matches ?? [],
    })),
  };
}

/**
 * `forget --json` prints one JSON line with the policy's decisions (nothing when only ids are
 * given); with `--prune`, prune's text report follows on the same stream.
 */
export async function forget(
  context: ResticContext,
  input: ForgetOptions,
  run: RunOptions = {},
): Promise<TForgetResult> {
  const options = resolveOptions(context);
  const parsed = ZForgetOptions.parse(input);
  const outcome = await execBuffered(options, {
    command: "forget",
    args: forgetArgs(parsed),
    signal: run.signal,
  });
  const lines = textLines(outcome);
  // prune's progress lines start with "[0:00]" too: the policy's decisions are the JSON array.
  const jsonIndex = lines.findIndex(isJsonArray);
  const jsonLine = jsonIndex >= 0 ? lines[jsonIndex] : undefined;
  const groups =
    jsonLine === undefined
      ? []
      : parseDocument(z.array(ZResticForgetGroup), jsonLine, {
          command: "forget",
          redact: outcome.redact,
        }).map(toGroup);
  const rest = lines.filter((_, index) => index !== jsonIndex).map(outcome.redact);
  const dryRun = parsed.dryRun ?? false;
  return {
    kind: "forget",
    dryRun,
    groups,
    keptCount: groups.reduce((sum, group) => sum + group.keep.length, 0),
    removedCount:
      groups.reduce((sum, group) => sum + group.remove.length, 0) +
      (parsed.snapshotIds?.length ?? 0),
    prune: parsed.prune ? parsePruneReport(rest, dryRun) : null,
  };
}
