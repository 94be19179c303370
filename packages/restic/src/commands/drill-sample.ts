import { randomInt } from "node:crypto";

/** A regular file of a snapshot, as `ls` lists it. */
export interface SnapshotFile {
  path: string;
  size: number;
}

/** Picks an integer in [0, bound). */
export type RandomIndex = (bound: number) => number;

export const cryptoRandomIndex: RandomIndex = (bound) => randomInt(bound);

/**
 * A uniform random sample of at most `size` items from a stream of unknown length, in memory
 * proportional to the sample (Algorithm R): a snapshot of millions of files is never held.
 */
export class Reservoir<T> {
  private seen = 0;
  readonly items: T[] = [];

  constructor(
    private readonly size: number,
    private readonly random: RandomIndex,
  ) {}

  offer(item: T): void {
    this.seen += 1;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    const slot = this.random(this.seen);
    if (slot < this.size) this.items[slot] = item;
  }

  get offered(): number {
    return this.seen;
  }
}

/**
 * The files to restore: the reservoir's in random order, keeping to the byte cap (a file that
 * would exceed it is passed over for a smaller one).
 */
export function withinBytes(
  files: readonly SnapshotFile[],
  maxBytes: number | undefined,
  random: RandomIndex,
): SnapshotFile[] {
  const shuffled = [...files];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = random(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as SnapshotFile, shuffled[i] as SnapshotFile];
  }
  if (maxBytes === undefined) return shuffled;
  const chosen: SnapshotFile[] = [];
  let total = 0;
  for (const file of shuffled) {
    if (total + file.size > maxBytes) continue;
    chosen.push(file);
    total += file.size;
  }
  return chosen;
}

/**
 * A snapshot path as a restore `--include` pattern that matches only that path: restic reads
 * includes as globs, so `*`, `?`, `[` and `\` are escaped. Go's matcher on Windows has no
 * escape (`\` separates paths there), so such a path cannot be named and null says so.
 */
export function literalPattern(snapshotPath: string, platform: NodeJS.Platform): string | null {
  if (platform === "win32") return /[\\*?[\]]/.test(snapshotPath) ? null : snapshotPath;
  return snapshotPath.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Splits include patterns into restore runs whose command lines stay short enough for every
 * platform (Windows allows 32,767 characters).
 */
export function batchPatterns(
  patterns: readonly string[],
  limits = { count: 500, chars: 24_000 },
): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const pattern of patterns) {
    const cost = pattern.length + "--include= ".length;
    if (current.length > 0 && (current.length >= limits.count || chars + cost > limits.chars)) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(pattern);
    chars += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
