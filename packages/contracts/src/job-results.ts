import { z } from "zod";
import { ZStatsMode } from "./jobs.js";

/**
 * What a restic job reports back: throttled progress while it runs, then a result per kind
 * or an error with a code. Field names are ours (camelCase), not restic's JSON, so the
 * server and the web app do not depend on one restic version's output.
 */

// --- progress ---------------------------------------------------------------------------------

export const ZBackupProgress = z.object({
  kind: z.literal("backup"),
  /** 0..1 */
  percentDone: z.number().min(0).max(1),
  secondsElapsed: z.number().nonnegative(),
  secondsRemaining: z.number().nonnegative().nullable(),
  totalFiles: z.number().int().nonnegative(),
  filesDone: z.number().int().nonnegative(),
  totalBytes: z.number().nonnegative(),
  bytesDone: z.number().nonnegative(),
  errorCount: z.number().int().nonnegative(),
  currentFiles: z.array(z.string()),
});
export type TBackupProgress = z.infer<typeof ZBackupProgress>;

/** What a restore counts, both while it runs and in its summary. */
const ZRestoreCounts = z.object({
  totalFiles: z.number().int().nonnegative(),
  filesRestored: z.number().int().nonnegative(),
  filesSkipped: z.number().int().nonnegative(),
  filesDeleted: z.number().int().nonnegative(),
  totalBytes: z.number().nonnegative(),
  bytesRestored: z.number().nonnegative(),
  bytesSkipped: z.number().nonnegative(),
});

export const ZRestoreProgress = ZRestoreCounts.extend({
  kind: z.literal("restore"),
  percentDone: z.number().min(0).max(1),
  secondsElapsed: z.number().nonnegative(),
});
export type TRestoreProgress = z.infer<typeof ZRestoreProgress>;

export const ZResticProgress = z.discriminatedUnion("kind", [ZBackupProgress, ZRestoreProgress]);
export type TResticProgress = z.infer<typeof ZResticProgress>;

// --- shared shapes ----------------------------------------------------------------------------

/** The summary restic stores in a snapshot (restic ≥ 0.17) and prints after a backup. */
export const ZBackupSummary = z.object({
  filesNew: z.number().int().nonnegative(),
  filesChanged: z.number().int().nonnegative(),
  filesUnmodified: z.number().int().nonnegative(),
  dirsNew: z.number().int().nonnegative(),
  dirsChanged: z.number().int().nonnegative(),
  dirsUnmodified: z.number().int().nonnegative(),
  dataBlobs: z.number().int().nonnegative(),
  treeBlobs: z.number().int().nonnegative(),
  dataAdded: z.number().nonnegative(),
  dataAddedPacked: z.number().nonnegative().nullable(),
  totalFilesProcessed: z.number().int().nonnegative(),
  totalBytesProcessed: z.number().nonnegative(),
  /** Seconds; only in the summary printed by `backup`. */
  totalDuration: z.number().nonnegative().nullable(),
  backupStart: z.string().nullable(),
  backupEnd: z.string().nullable(),
});
export type TBackupSummary = z.infer<typeof ZBackupSummary>;

export const ZSnapshot = z.object({
  id: z.string(),
  shortId: z.string(),
  time: z.string(),
  parent: z.string().nullable(),
  tree: z.string(),
  paths: z.array(z.string()),
  hostname: z.string(),
  username: z.string().nullable(),
  tags: z.array(z.string()),
  programVersion: z.string().nullable(),
  summary: ZBackupSummary.nullable(),
});
export type TSnapshot = z.infer<typeof ZSnapshot>;

/** An item restic could not read or write (a file-level error, not a failed run). */
export const ZItemError = z.object({
  item: z.string().nullable(),
  during: z.string().nullable(),
  message: z.string(),
});
export type TItemError = z.infer<typeof ZItemError>;

// --- results per kind ---------------------------------------------------------------------------

export const ZInitResult = z.object({ kind: z.literal("init"), repositoryId: z.string() });

export const ZBackupResult = z.object({
  kind: z.literal("backup"),
  /** `partial`: restic exit code 3, some source files could not be read but a snapshot was made. */
  status: z.enum(["complete", "partial"]),
  /** Null for a dry run or when the snapshot was skipped because nothing changed. */
  snapshotId: z.string().nullable(),
  dryRun: z.boolean(),
  summary: ZBackupSummary,
  /** The first few item errors; `itemErrorCount` counts all of them. */
  itemErrors: z.array(ZItemError),
  itemErrorCount: z.number().int().nonnegative(),
});
export type TBackupResult = z.infer<typeof ZBackupResult>;

export const ZForgetGroup = z.object({
  host: z.string().nullable(),
  paths: z.array(z.string()),
  tags: z.array(z.string()),
  keep: z.array(ZSnapshot),
  remove: z.array(ZSnapshot),
  /** Why each kept snapshot was kept, e.g. `last snapshot`, `daily snapshot`. */
  reasons: z.array(z.object({ snapshotId: z.string(), matches: z.array(z.string()) })),
});
export type TForgetGroup = z.infer<typeof ZForgetGroup>;

/** Blob counts and sizes from prune's report; sizes are parsed from restic's rounded units. */
export const ZBlobAmount = z.object({ blobs: z.number().int().nonnegative(), bytes: z.number() });

export const ZPruneReport = z.object({
  dryRun: z.boolean(),
  toRepack: ZBlobAmount.nullable(),
  removes: ZBlobAmount.nullable(),
  toDelete: ZBlobAmount.nullable(),
  totalPrune: ZBlobAmount.nullable(),
  remaining: ZBlobAmount.nullable(),
  unusedAfterPruneBytes: z.number().nullable(),
  /** The last lines of prune's text output (bounded). */
  output: z.array(z.string()),
});
export type TPruneReport = z.infer<typeof ZPruneReport>;

export const ZForgetResult = z.object({
  kind: z.literal("forget"),
  dryRun: z.boolean(),
  groups: z.array(ZForgetGroup),
  keptCount: z.number().int().nonnegative(),
  removedCount: z.number().int().nonnegative(),
  /** Present when `prune` was requested. */
  prune: ZPruneReport.nullable(),
});
export type TForgetResult = z.infer<typeof ZForgetResult>;

export const ZPruneResult = z.object({ kind: z.literal("prune"), report: ZPruneReport });
export type TPruneResult = z.infer<typeof ZPruneResult>;

export const ZCheckResult = z.object({
  kind: z.literal("check"),
  ok: z.boolean(),
  numErrors: z.number().int().nonnegative(),
  brokenPacks: z.array(z.string()),
  suggestRepairIndex: z.boolean(),
  suggestPrune: z.boolean(),
  /** The first few error messages restic printed (bounded). */
  errors: z.array(z.string()),
});
export type TCheckResult = z.infer<typeof ZCheckResult>;

export const ZUnlockResult = z.object({
  kind: z.literal("unlock"),
  removedLocks: z.number().int().nonnegative(),
});
export type TUnlockResult = z.infer<typeof ZUnlockResult>;

export const ZSnapshotsResult = z.object({
  kind: z.literal("snapshots"),
  snapshots: z.array(ZSnapshot),
});
export type TSnapshotsResult = z.infer<typeof ZSnapshotsResult>;

export const ZStatsResult = z.object({
  kind: z.literal("stats"),
  mode: ZStatsMode,
  totalSize: z.number().nonnegative(),
  totalFileCount: z.number().int().nonnegative().nullable(),
  totalBlobCount: z.number().int().nonnegative().nullable(),
  snapshotsCount: z.number().int().nonnegative().nullable(),
  /** raw-data mode (repository format 2) */
  totalUncompressedSize: z.number().nonnegative().nullable(),
  compressionRatio: z.number().nullable(),
  compressionProgress: z.number().nullable(),
  compressionSpaceSaving: z.number().nullable(),
});
export type TStatsResult = z.infer<typeof ZStatsResult>;

export const ZLsNode = z.object({
  name: z.string(),
  type: z.string(),
  path: z.string(),
  size: z.number().nonnegative().nullable(),
  mode: z.number().nullable(),
  permissions: z.string().nullable(),
  mtime: z.string().nullable(),
  uid: z.number().nullable(),
  gid: z.number().nullable(),
  linkTarget: z.string().nullable(),
});
export type TLsNode = z.infer<typeof ZLsNode>;

export const ZLsResult = z.object({
  kind: z.literal("ls"),
  snapshot: ZSnapshot,
  nodes: z.array(ZLsNode),
});
export type TLsResult = z.infer<typeof ZLsResult>;

/** restic's diff modifiers: + added, - removed, M content, T type, U metadata, ? bug. */
export const ZDiffChange = z.object({ path: z.string(), modifier: z.string() });
export type TDiffChange = z.infer<typeof ZDiffChange>;

const ZDiffCounts = z.object({
  files: z.number().int().nonnegative(),
  dirs: z.number().int().nonnegative(),
  others: z.number().int().nonnegative(),
  dataBlobs: z.number().int().nonnegative(),
  treeBlobs: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
});

export const ZDiffStatistics = z.object({
  sourceSnapshot: z.string(),
  targetSnapshot: z.string(),
  changedFiles: z.number().int().nonnegative(),
  added: ZDiffCounts,
  removed: ZDiffCounts,
});
export type TDiffStatistics = z.infer<typeof ZDiffStatistics>;

export const ZDiffResult = z.object({
  kind: z.literal("diff"),
  changes: z.array(ZDiffChange),
  statistics: ZDiffStatistics,
});
export type TDiffResult = z.infer<typeof ZDiffResult>;

export const ZRestoreSummary = ZRestoreCounts.extend({
  secondsElapsed: z.number().nonnegative().nullable(),
});
export type TRestoreSummary = z.infer<typeof ZRestoreSummary>;

export const ZRestoreResult = z.object({
  kind: z.literal("restore"),
  summary: ZRestoreSummary,
  itemErrors: z.array(ZItemError),
  itemErrorCount: z.number().int().nonnegative(),
});
export type TRestoreResult = z.infer<typeof ZRestoreResult>;

export const ZDumpResult = z.object({
  kind: z.literal("dump"),
  sizeBytes: z.number().int().nonnegative(),
  target: z.string().nullable(),
});
export type TDumpResult = z.infer<typeof ZDumpResult>;

export const ZRepositoryConfig = z.object({
  version: z.number().int(),
  id: z.string(),
  chunkerPolynomial: z.string(),
});
export type TRepositoryConfig = z.infer<typeof ZRepositoryConfig>;

export const ZCatConfigResult = z.object({
  kind: z.literal("cat-config"),
  config: ZRepositoryConfig,
});
export type TCatConfigResult = z.infer<typeof ZCatConfigResult>;

export const ZRepositoryLock = z.object({
  id: z.string(),
  time: z.string(),
  exclusive: z.boolean(),
  hostname: z.string(),
  username: z.string(),
  pid: z.number().int(),
  /**
   * restic treats a lock as stale when it was not refreshed for 30 minutes, or when it belongs
   * to this host and its process is gone. `unlock` removes exactly those.
   */
  stale: z.boolean(),
  staleReason: z.enum(["expired", "process-gone"]).nullable(),
});
export type TRepositoryLock = z.infer<typeof ZRepositoryLock>;

export const ZListLocksResult = z.object({
  kind: z.literal("list-locks"),
  locks: z.array(ZRepositoryLock),
});
export type TListLocksResult = z.infer<typeof ZListLocksResult>;

export const ZVersionResult = z.object({
  kind: z.literal("version"),
  version: z.string(),
  goVersion: z.string().nullable(),
  os: z.string().nullable(),
  arch: z.string().nullable(),
});
export type TVersionResult = z.infer<typeof ZVersionResult>;

export const ZHealthResult = z.object({
  kind: z.literal("health"),
  snapshotCount: z.number().int().nonnegative(),
  /** Per host recorded in the snapshots: how many, and the newest one's time. */
  hosts: z.array(
    z.object({
      host: z.string(),
      snapshotCount: z.number().int().nonnegative(),
      lastSnapshotAt: z.string(),
    }),
  ),
  /** `stats --mode restore-size` over every snapshot: what a full restore of all would write. */
  totalSize: z.number().nonnegative(),
  /** `stats --mode raw-data`: what the repository stores, deduplicated and compressed. */
  rawSize: z.number().nonnegative(),
  uncompressedSize: z.number().nonnegative().nullable(),
  locks: z.array(ZRepositoryLock),
});
export type THealthResult = z.infer<typeof ZHealthResult>;

/** One file a restore drill restored and compared with the snapshot. */
export const ZDrillFile = z.object({
  /** The file's path in the snapshot. */
  path: z.string(),
  /** Its size as the snapshot records it. */
  size: z.number().nonnegative(),
  /** sha256 of the restored file (or, when it was not restored, of `restic dump`); null if neither could be read. */
  sha256: z.string().nullable(),
  ok: z.boolean(),
  /** Why it failed: not restored, a size or sha256 that differs, restic's error. */
  problem: z.string().nullable(),
});
export type TDrillFile = z.infer<typeof ZDrillFile>;

/**
 * What a restore drill checked: a random sample of the latest snapshot's files, restored with
 * `--verify` into a temporary directory, each compared by size and sha256 with `restic dump`.
 */
export const ZDrillResult = z.object({
  kind: z.literal("drill"),
  snapshotId: z.string(),
  snapshotTime: z.string(),
  /** Regular files in the snapshot the sample was drawn from (within the byte cap). */
  filesInSnapshot: z.number().int().nonnegative(),
  files: z.array(ZDrillFile),
  filesChecked: z.number().int().nonnegative(),
  bytesChecked: z.number().nonnegative(),
  /** Files that did not verify. */
  failures: z.number().int().nonnegative(),
  /** restic restore's own failure (a `--verify` mismatch, an unreadable pack), if it failed. */
  restoreError: z.string().nullable(),
});
export type TDrillResult = z.infer<typeof ZDrillResult>;

export const ZJobResult = z.discriminatedUnion("kind", [
  ZInitResult,
  ZBackupResult,
  ZForgetResult,
  ZPruneResult,
  ZCheckResult,
  ZUnlockResult,
  ZSnapshotsResult,
  ZStatsResult,
  ZLsResult,
  ZDiffResult,
  ZRestoreResult,
  ZDumpResult,
  ZCatConfigResult,
  ZListLocksResult,
  ZVersionResult,
  ZHealthResult,
  ZDrillResult,
]);
export type TJobResult = z.infer<typeof ZJobResult>;
export type TInitResult = z.infer<typeof ZInitResult>;

// --- errors -------------------------------------------------------------------------------------

/**
 * Why a restic run failed. restic's exit codes map to: 1 `fatal`, 10 `no_repository`,
 * 11 `locked`, 12 `wrong_password`, 130 `interrupted`; any other code `unknown_exit`.
 * `cancelled` is a run stopped through its AbortSignal; the rest are the wrapper's own.
 */
export const RESTIC_ERROR_CODES = [
  "fatal",
  "no_repository",
  "locked",
  "wrong_password",
  "interrupted",
  "cancelled",
  "check_failed",
  "invalid_output",
  "output_limit",
  "unsupported_version",
  "spawn_failed",
  "unknown_exit",
] as const;
export const ZResticErrorCode = z.enum(RESTIC_ERROR_CODES);
export type TResticErrorCode = z.infer<typeof ZResticErrorCode>;

/** A failed run as the agent reports it: secrets are already redacted from every field. */
export const ZResticErrorReport = z.object({
  code: ZResticErrorCode,
  message: z.string(),
  exitCode: z.number().int().nullable(),
  stderrTail: z.string(),
});
export type TResticErrorReport = z.infer<typeof ZResticErrorReport>;
