import { readdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { TServerBackupCopy } from "@restic-manager/contracts";

/**
 * The copies' names carry their UTC time to the millisecond, with dashes for colons (valid on
 * every file system): `restic-manager-2026-12-03T05-46-16.123Z.db`. Sorting the names sorts
 * the copies by age, and only names of this exact form are ever listed or pruned, so nothing
 * else an admin keeps in the directory is touched.
 */
const COPY_NAME = /^restic-manager-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}\.\d{3})Z\.db$/;
/** A copy being written (and SQLite's journal beside it): hidden, renamed once checked. */
const PARTIAL_NAME = /^\.restic-manager-.*\.db\.partial(-journal|-wal|-shm)?$/;

export function copyName(takenAt: Date): string {
  return `restic-manager-${takenAt.toISOString().replaceAll(":", "-")}.db`;
}

export function partialName(takenAt: Date): string {
  return `.${copyName(takenAt)}.partial`;
}

function takenAtOf(name: string): Date | undefined {
  const match = COPY_NAME.exec(name);
  if (!match) return undefined;
  const [, day, hours, minutes, seconds] = match;
  const date = new Date(`${day}T${hours}:${minutes}:${seconds}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Names of the copies in `directory`, newest first; none when it does not exist yet. */
export async function copyNames(directory: string): Promise<string[]> {
  return (await entries(directory))
    .filter((name) => takenAtOf(name) !== undefined)
    .sort()
    .reverse();
}

/** The copies in `directory`, newest first, at most `limit`. */
export async function listCopies(directory: string, limit: number): Promise<TServerBackupCopy[]> {
  const names = (await copyNames(directory)).slice(0, limit);
  const copies: TServerBackupCopy[] = [];
  for (const name of names) {
    const takenAt = takenAtOf(name);
    const size = await stat(path.join(directory, name)).then(
      (stats) => stats.size,
      () => undefined, // pruned meanwhile
    );
    if (takenAt && size !== undefined) copies.push({ name, sizeBytes: size, takenAt });
  }
  return copies;
}

/** When the newest copy was taken, if there is one. */
export async function newestCopyTime(directory: string): Promise<Date | undefined> {
  const [newest] = await copyNames(directory);
  return newest ? takenAtOf(newest) : undefined;
}

/** Deletes the copies beyond the `keep` newest; returns their names. */
export async function pruneCopies(directory: string, keep: number): Promise<string[]> {
  const surplus = (await copyNames(directory)).slice(keep);
  for (const name of surplus) await unlinkIfPresent(path.join(directory, name));
  return surplus;
}

/** Copies a stopped or crashed server left half-written. */
export async function removePartials(directory: string): Promise<void> {
  for (const name of await entries(directory)) {
    if (PARTIAL_NAME.test(name)) await unlinkIfPresent(path.join(directory, name));
  }
}

export async function unlinkIfPresent(file: string): Promise<void> {
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

async function entries(directory: string): Promise<string[]> {
  return readdir(directory).catch((error: NodeJS.ErrnoException) => {
    // No directory yet, or something else in its place (the failed copy's outcome says so).
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
    throw error;
  });
}
