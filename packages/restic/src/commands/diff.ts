import {
  type TDiffChange,
  type TDiffResult,
  type TDiffStatistics,
  ZDiffOptions,
} from "@restic-manager/contracts";
import { z } from "zod";
import { switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execRestic } from "../exec.js";
import { ensureExit } from "../exit-codes.js";
import { parseMessage } from "../output.js";
import { missingOutput } from "./shared.js";

export type DiffOptions = z.input<typeof ZDiffOptions>;

const ZChange = z.object({
  message_type: z.literal("change"),
  path: z.string(),
  modifier: z.string().min(1),
});

const count = z.number().int().nonnegative();
const ZCounts = z.object({
  files: count,
  dirs: count,
  others: count,
  data_blobs: count,
  tree_blobs: count,
  bytes: z.number().nonnegative(),
});

const ZStatistics = z.object({
  message_type: z.literal("statistics"),
  source_snapshot: z.string(),
  target_snapshot: z.string(),
  changed_files: count,
  added: ZCounts,
  removed: ZCounts,
});

const MESSAGE_TYPES = ["change", "statistics"] as const;
const ZDiffLine = z.discriminatedUnion("message_type", [ZChange, ZStatistics]);

function toCounts(raw: z.infer<typeof ZCounts>) {
  return {
    files: raw.files,
    dirs: raw.dirs,
    others: raw.others,
    dataBlobs: raw.data_blobs,
    treeBlobs: raw.tree_blobs,
    bytes: raw.bytes,
  };
}

export function diffArgs(input: DiffOptions): string[] {
  const options = ZDiffOptions.parse(input);
  return [
    "diff",
    "--json",
    ...switchFlag("metadata", options.metadata),
    "--",
    options.from,
    options.to,
  ];
}

export async function diff(
  context: ResticContext,
  input: DiffOptions,
  run: RunOptions = {},
): Promise<TDiffResult> {
  const options = resolveOptions(context);
  const changes: TDiffChange[] = [];
  const seen: { statistics: TDiffStatistics | null } = { statistics: null };
  const outcome = await execRestic(options, {
    command: "diff",
    args: diffArgs(input),
    signal: run.signal,
    stdout: {
      kind: "json-lines",
      onMessage(value, line, parse) {
        const message = parseMessage(ZDiffLine, MESSAGE_TYPES, value, line, parse);
        if (message.message_type === "change") {
          changes.push({ path: message.path, modifier: message.modifier });
        } else {
          seen.statistics = {
            sourceSnapshot: message.source_snapshot,
            targetSnapshot: message.target_snapshot,
            changedFiles: message.changed_files,
            added: toCounts(message.added),
            removed: toCounts(message.removed),
          };
        }
        return true;
      },
    },
  });
  ensureExit(outcome, "diff");
  if (seen.statistics === null) throw missingOutput("diff", "its statistics", outcome);
  return { kind: "diff", changes, statistics: seen.statistics };
}
