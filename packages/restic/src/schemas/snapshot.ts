import type { TBackupSummary, TSnapshot } from "@restic-manager/contracts";
import { z } from "zod";

/** restic's snake_case JSON; unknown fields are ignored so newer restic versions still parse. */
const count = z.number().int().nonnegative();

export const ZResticBackupSummary = z.object({
  files_new: count,
  files_changed: count,
  files_unmodified: count,
  dirs_new: count,
  dirs_changed: count,
  dirs_unmodified: count,
  data_blobs: z.number().int(),
  tree_blobs: z.number().int(),
  data_added: z.number().nonnegative(),
  data_added_packed: z.number().nonnegative().optional(),
  total_files_processed: count,
  total_bytes_processed: z.number().nonnegative(),
  total_duration: z.number().nonnegative().optional(),
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
});
export type TResticBackupSummary = z.infer<typeof ZResticBackupSummary>;

export function toBackupSummary(raw: TResticBackupSummary): TBackupSummary {
  return {
    filesNew: raw.files_new,
    filesChanged: raw.files_changed,
    filesUnmodified: raw.files_unmodified,
    dirsNew: raw.dirs_new,
    dirsChanged: raw.dirs_changed,
    dirsUnmodified: raw.dirs_unmodified,
    // The contract counts are non-negative; restic's types are signed.
    dataBlobs: Math.max(0, raw.data_blobs),
    treeBlobs: Math.max(0, raw.tree_blobs),
    dataAdded: raw.data_added,
    dataAddedPacked: raw.data_added_packed ?? null,
    totalFilesProcessed: raw.total_files_processed,
    totalBytesProcessed: raw.total_bytes_processed,
    totalDuration: raw.total_duration ?? null,
    backupStart: raw.backup_start ?? null,
    backupEnd: raw.backup_end ?? null,
  };
}

export const ZResticSnapshot = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  short_id: z.string().min(1),
  time: z.string().min(1),
  parent: z.string().optional(),
  tree: z.string(),
  paths: z.array(z.string()),
  hostname: z.string(),
  username: z.string().optional(),
  tags: z.array(z.string()).nullish(),
  program_version: z.string().optional(),
  summary: ZResticBackupSummary.optional(),
});
export type TResticSnapshot = z.infer<typeof ZResticSnapshot>;

export function toSnapshot(raw: TResticSnapshot): TSnapshot {
  return {
    id: raw.id,
    shortId: raw.short_id,
    time: raw.time,
    parent: raw.parent ?? null,
    tree: raw.tree,
    paths: raw.paths,
    hostname: raw.hostname,
    username: raw.username ?? null,
    tags: raw.tags ?? [],
    programVersion: raw.program_version ?? null,
    summary: raw.summary ? toBackupSummary(raw.summary) : null,
  };
}
