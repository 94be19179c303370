import { type TPruneReport, type TPruneResult, ZPruneOptions } from "@restic-manager/contracts";
import type { z } from "zod";
import { optionalFlag, switchFlag } from "../args.js";
import { type ResticContext, type RunOptions, resolveOptions } from "../context.js";
import { execBuffered, textLines } from "./shared.js";

export type PruneOptions = z.input<typeof ZPruneOptions>;

const MAX_OUTPUT_LINES = 40;

export function pruneArgs(input: PruneOptions = {}): string[] {
  const options = ZPruneOptions.parse(input);
  // No JSON report exists for prune, but --json makes restic print its exit error as JSON.
  return [
    "prune",
    "--json",
    ...switchFlag("dry-run", options.dryRun),
    ...optionalFlag("max-unused", options.maxUnused),
    ...optionalFlag("max-repack-size", options.maxRepackSize),
    ...switchFlag("repack-cacheable-only", options.repackCacheableOnly),
  ];
}

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  PiB: 1024 ** 5,
};

/** restic prints sizes rounded to 3 decimals (`7.881 KiB`); the bytes are approximate. */
export function parseSize(text: string): number | null {
  const match = /^([\d.]+)\s*([KMGTP]?i?B)$/.exec(text.trim());
  const unit = match?.[2] ? UNITS[match[2]] : undefined;
  if (!match?.[1] || unit === undefined) return null;
  // `[\d.]+` also matches "1.2.3" or "." (NaN) and 400 digits (Infinity): not a size.
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isFinite(bytes) ? bytes : null;
}

function blobLine(lines: readonly string[], label: string) {
  for (const line of lines) {
    const match = new RegExp(`^${label}:\\s+(\\d+) blobs / (.+)$`).exec(line.trim());
    if (match?.[1] && match[2]) {
      const blobs = Number(match[1]);
      const bytes = parseSize(match[2]);
      if (bytes !== null && Number.isSafeInteger(blobs)) return { blobs, bytes };
    }
  }
  return null;
}

/**
 * prune has no JSON output (restic 0.18), so its report is read from the text, which restic
 * has kept stable since 0.12. Lines that do not match leave their field null.
 */
export function parsePruneReport(lines: readonly string[], dryRun: boolean): TPruneReport {
  let unusedAfterPruneBytes: number | null = null;
  for (const line of lines) {
    const match = /^unused size after prune:\s+(\S+ \S+)/.exec(line.trim());
    if (match?.[1]) unusedAfterPruneBytes = parseSize(match[1]);
  }
  return {
    dryRun,
    toRepack: blobLine(lines, "to repack"),
    removes: blobLine(lines, "this removes"),
    toDelete: blobLine(lines, "to delete"),
    totalPrune: blobLine(lines, "total prune"),
    remaining: blobLine(lines, "remaining"),
    unusedAfterPruneBytes,
    output: lines.slice(-MAX_OUTPUT_LINES).map((line) => line.slice(0, 500)),
  };
}

export async function prune(
  context: ResticContext,
  input: PruneOptions = {},
  run: RunOptions = {},
): Promise<TPruneResult> {
  const options = resolveOptions(context);
  const args = pruneArgs(input);
  const outcome = await execBuffered(options, { command: "prune", args, signal: run.signal });
  const lines = textLines(outcome).map(outcome.redact);
  return { kind: "prune", report: parsePruneReport(lines, args.includes("--dry-run")) };
}
