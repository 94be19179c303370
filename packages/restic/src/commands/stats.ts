import { type TStatsResult, ZStatsOptions } from "@restic-manager/contracts";
import { z } from "zod";
import { filterFlags, flag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execBuffered, parseStdout } from "./shared.js";

export type StatsOptions = z.input<typeof ZStatsOptions>;

const ZResticStats = z.object({
  total_size: z.number().nonnegative(),
  total_file_count: z.number().int().nonnegative().optional(),
  total_blob_count: z.number().int().nonnegative().optional(),
  snapshots_count: z.number().int().nonnegative().optional(),
  total_uncompressed_size: z.number().nonnegative().optional(),
  compression_ratio: z.number().optional(),
  compression_progress: z.number().optional(),
  compression_space_saving: z.number().optional(),
});

export function statsArgs(input: StatsOptions = {}): string[] {
  const options = ZStatsOptions.parse(input);
  return [
    "stats",
    "--json",
    flag("mode", options.mode),
    ...filterFlags(options),
    "--",
    ...(options.snapshotIds ?? []),
  ];
}

/** `restore-size` is what a restore would write; `raw-data` is what the repository stores. */
export async function stats(
  context: ResticContext,
  input: StatsOptions = {},
  run: RunOptions = {},
): Promise<TStatsResult> {
  const options = resolveOptions(context);
  const parsed = ZStatsOptions.parse(input);
  const outcome = await execBuffered(options, {
    command: "stats",
    args: statsArgs(parsed),
    signal: run.signal,
  });
  const raw = parseStdout(ZResticStats, outcome, "stats");
  return {
    kind: "stats",
    mode: parsed.mode,
    totalSize: raw.total_size,
    totalFileCount: raw.total_file_count ?? null,
    totalBlobCount: raw.total_blob_count ?? null,
    snapshotsCount: raw.snapshots_count ?? null,
    totalUncompressedSize: raw.total_uncompressed_size ?? null,
    compressionRatio: raw.compression_ratio ?? null,
    compressionProgress: raw.compression_progress ?? null,
    compressionSpaceSaving: raw.compression_space_saving ?? null,
  };
}
