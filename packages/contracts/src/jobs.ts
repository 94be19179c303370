import { z } from "zod";

/**
 * What a job asks restic to do. Every kind has its own params schema; `ZJobParams` is the
 * discriminated union the server stores and the agent receives.
 */
export const JOB_KINDS = [
  "init",
  "backup",
  "forget",
  "prune",
  "check",
  "unlock",
  "snapshots",
  "stats",
  "ls",
  "diff",
  "restore",
  "dump",
  "cat-config",
  "list-locks",
  "version",
  "health",
  "drill",
  "agent-update",
] as const;
export const ZJobKind = z.enum(JOB_KINDS);
export type TJobKind = z.infer<typeof ZJobKind>;

const noNul = (value: string) => !value.includes("\0");

/** A path on the endpoint (any OS: `/srv/data`, `C:\Users\x`, `\\server\share`). */
export const ZEndpointPath = z
  .string()
  .min(1, "Path is required")
  .max(4096)
  .refine(noNul, "Path must not contain a NUL character");

/** A path inside a snapshot, as restic shows it (`/home/x`, `/C/Users/x` for Windows sources). */
export const ZSnapshotPath = ZEndpointPath;

/** A snapshot id (full or a unique prefix) or `latest`. */
export const ZSnapshotRef = z
  .string()
  .regex(/^(latest|[0-9a-f]{4,64})$/, "Snapshot must be `latest` or a hexadecimal snapshot id");
export type TSnapshotRef = z.infer<typeof ZSnapshotRef>;

/** A snapshot id (full or a unique prefix), never `latest`. */
export const ZSnapshotId = z.string().regex(/^[0-9a-f]{4,64}$/, "Snapshot id must be hexadecimal");

/** A tag set on a new snapshot: restic splits `--tag` values on commas, so none here. */
export const ZTag = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^,\s][^,]*$/, "A tag must not contain commas or start with whitespace");

/** A tag filter: `a,b` matches snapshots carrying both `a` and `b`; several filters OR. */
export const ZTagFilter = z
  .string()
  .trim()
  .min(1)
  .max(512)
  .refine(noNul, "Tag filter must not contain a NUL character");

export const ZHostname = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine(noNul, "Hostname must not contain a NUL character");

/** An exclude/include pattern as restic understands it (glob, optionally anchored). */
export const ZPattern = z
  .string()
  .min(1)
  .max(4096)
  .refine(noNul, "Pattern must not contain a NUL character");

/** restic's duration syntax for `--keep-within`: years, months, days, hours, e.g. `1y6m`, `7d`. */
export const ZRetentionDuration = z
  .string()
  .regex(/^(?=\d)(\d+y)?(\d+m)?(\d+d)?(\d+h)?$/, "Use a duration such as 7d, 2m, 1y6m or 36h");

/** A size with an optional unit as restic parses it: `500`, `100k`, `2M`, `1G`, `1T`. */
export const ZSize = z.string().regex(/^\d+[kKmMgGtT]?$/, "Use a size such as 500, 100K, 2M or 1G");

/** How many of each period `forget` keeps; `unlimited` keeps all of them (restic ≥ 0.16). */
export const ZKeepCount = z.union([z.number().int().min(1).max(1_000_000), z.literal("unlimited")]);
export type TKeepCount = z.infer<typeof ZKeepCount>;

export const ZRetentionPolicy = z.object({
  keepLast: ZKeepCount.optional(),
  keepHourly: ZKeepCount.optional(),
  keepDaily: ZKeepCount.optional(),
  keepWeekly: ZKeepCount.optional(),
  keepMonthly: ZKeepCount.optional(),
  keepYearly: ZKeepCount.optional(),
  keepWithin: ZRetentionDuration.optional(),
  keepTags: z.array(ZTagFilter).max(50).optional(),
});
export type TRetentionPolicy = z.infer<typeof ZRetentionPolicy>;

export function retentionHasRules(policy: TRetentionPolicy): boolean {
  return Object.values(policy).some((rule) =>
    Array.isArray(rule) ? rule.length > 0 : rule !== undefined,
  );
}

/** Filters shared by the commands that select snapshots by host, tag or path. */
export const ZSnapshotFilter = z.object({
  hosts: z.array(ZHostname).max(50).optional(),
  tags: z.array(ZTagFilter).max(50).optional(),
  paths: z.array(ZSnapshotPath).max(100).optional(),
});
export type TSnapshotFilter = z.infer<typeof ZSnapshotFilter>;

export const GROUP_BY_FIELDS = ["host", "paths", "tags"] as const;
export const ZGroupByField = z.enum(GROUP_BY_FIELDS);

// --- per kind -------------------------------------------------------------------------------

export const ZInitOptions = z.object({});
export const ZInitParams = ZInitOptions.extend({ kind: z.literal("init") });
export type TInitParams = z.infer<typeof ZInitParams>;

export const ZBackupOptions = z.object({
  paths: z.array(ZEndpointPath).min(1, "At least one path is required").max(1000),
  excludes: z.array(ZPattern).max(1000).optional(),
  /** Case-insensitive excludes. */
  iexcludes: z.array(ZPattern).max(1000).optional(),
  excludeFiles: z.array(ZEndpointPath).max(100).optional(),
  excludeCaches: z.boolean().optional(),
  excludeIfPresent: z.array(ZPattern).max(100).optional(),
  excludeLargerThan: ZSize.optional(),
  oneFileSystem: z.boolean().optional(),
  tags: z.array(ZTag).max(50).optional(),
  /** Hostname recorded in the snapshot; restic's default is the endpoint's hostname. */
  host: ZHostname.optional(),
  parent: ZSnapshotRef.optional(),
  dryRun: z.boolean().optional(),
  /** Windows only: back up from a VSS snapshot so open files are read consistently. */
  useFsSnapshot: z.boolean().optional(),
  skipIfUnchanged: z.boolean().optional(),
  /** Upload limit in KiB/s. */
  limitUpload: z.number().int().min(1).optional(),
  compression: z.enum(["auto", "off", "max"]).optional(),
});
export const ZBackupParams = ZBackupOptions.extend({ kind: z.literal("backup") });
export type TBackupParams = z.infer<typeof ZBackupParams>;

export const ZForgetOptions = ZSnapshotFilter.extend({
  policy: ZRetentionPolicy.optional(),
  /** Forget exactly these snapshots (in addition to what the policy removes). */
  snapshotIds: z.array(ZSnapshotId).max(1000).optional(),
  /** Empty list: no grouping. restic's default is host and paths. */
  groupBy: z.array(ZGroupByField).max(3).optional(),
  dryRun: z.boolean().optional(),
  prune: z.boolean().optional(),
}).refine(
  (o) =>
    (o.policy !== undefined && retentionHasRules(o.policy)) || (o.snapshotIds?.length ?? 0) > 0,
  { message: "Give a retention rule or the snapshots to forget" },
);
export const ZForgetParams = ZForgetOptions.safeExtend({ kind: z.literal("forget") });
export type TForgetParams = z.infer<typeof ZForgetParams>;

export const ZPruneOptions = z.object({
  dryRun: z.boolean().optional(),
  /** Unused space to tolerate: `5%`, `unlimited` or a size. */
  maxUnused: z
    .string()
    .regex(/^(unlimited|\d+(\.\d+)?%|\d+[kKmMgGtT]?)$/)
    .optional(),
  maxRepackSize: ZSize.optional(),
  repackCacheableOnly: z.boolean().optional(),
});
export const ZPruneParams = ZPruneOptions.extend({ kind: z.literal("prune") });
export type TPruneParams = z.infer<typeof ZPruneParams>;

export const ZCheckOptions = z.object({
  readData: z.boolean().optional(),
  /** `n/t` (part n of t), `x%` or a size such as `500M`. */
  readDataSubset: z
    .string()
    .regex(/^(\d+\/\d+|\d+(\.\d+)?%|\d+[kKmMgGtT]?)$/, "Use n/t, x% or a size such as 500M")
    .optional(),
  withCache: z.boolean().optional(),
});
export const ZCheckParams = ZCheckOptions.extend({ kind: z.literal("check") });
export type TCheckParams = z.infer<typeof ZCheckParams>;

export const ZUnlockOptions = z.object({
  /** Remove every lock, not only stale ones: only when no other restic can be running. */
  removeAll: z.boolean().optional(),
});
export const ZUnlockParams = ZUnlockOptions.extend({ kind: z.literal("unlock") });
export type TUnlockParams = z.infer<typeof ZUnlockParams>;

export const ZSnapshotsOptions = ZSnapshotFilter.extend({
  snapshotIds: z.array(ZSnapshotRef).max(1000).optional(),
  /** Only the last N snapshots of each host and path set. */
  latest: z.number().int().min(1).max(100_000).optional(),
});
export const ZSnapshotsParams = ZSnapshotsOptions.extend({ kind: z.literal("snapshots") });
export type TSnapshotsParams = z.infer<typeof ZSnapshotsParams>;

export const STATS_MODES = [
  "restore-size",
  "raw-data",
  "files-by-contents",
  "blobs-per-file",
] as const;
export const ZStatsMode = z.enum(STATS_MODES);
export type TStatsMode = z.infer<typeof ZStatsMode>;

export const ZStatsOptions = ZSnapshotFilter.extend({
  mode: ZStatsMode.default("restore-size"),
  /** Without ids restic counts every snapshot the filters select. */
  snapshotIds: z.array(ZSnapshotRef).max(1000).optional(),
});
export const ZStatsParams = ZStatsOptions.extend({ kind: z.literal("stats") });
export type TStatsParams = z.infer<typeof ZStatsParams>;

export const ZLsOptions = z.object({
  snapshotId: ZSnapshotRef,
  /** Directories to list; without them the whole snapshot is listed. */
  paths: z.array(ZSnapshotPath).max(100).optional(),
  /** With `paths`: descend into subdirectories instead of listing only their entries. */
  recursive: z.boolean().optional(),
});
export const ZLsParams = ZLsOptions.extend({ kind: z.literal("ls") });
export type TLsParams = z.infer<typeof ZLsParams>;

export const ZDiffOptions = z.object({
  from: ZSnapshotRef,
  to: ZSnapshotRef,
  /** Also report metadata-only changes (mode, owner, times). */
  metadata: z.boolean().optional(),
});
export const ZDiffParams = ZDiffOptions.extend({ kind: z.literal("diff") });
export type TDiffParams = z.infer<typeof ZDiffParams>;

export const ZRestoreOptions = z
  .object({
    snapshotId: ZSnapshotRef,
    /** Directory on the endpoint to restore into. */
    target: ZEndpointPath,
    includes: z.array(ZPattern).max(1000).optional(),
    excludes: z.array(ZPattern).max(1000).optional(),
    iincludes: z.array(ZPattern).max(1000).optional(),
    iexcludes: z.array(ZPattern).max(1000).optional(),
    /** restic ≥ 0.17. */
    overwrite: z.enum(["always", "if-changed", "if-newer", "never"]).optional(),
    /** restic ≥ 0.17: delete files in the target that are not in the snapshot. */
    delete: z.boolean().optional(),
    verify: z.boolean().optional(),
    /** restic ≥ 0.17. */
    dryRun: z.boolean().optional(),
    /** Download limit in KiB/s. */
    limitDownload: z.number().int().min(1).optional(),
  })
  .refine(
    (o) =>
      (o.includes?.length ?? 0) + (o.iincludes?.length ?? 0) === 0 ||
      (o.excludes?.length ?? 0) + (o.iexcludes?.length ?? 0) === 0,
    { message: "restic takes either include or exclude patterns for a restore, not both" },
  );
export const ZRestoreParams = ZRestoreOptions.safeExtend({ kind: z.literal("restore") });
export type TRestoreParams = z.infer<typeof ZRestoreParams>;

export const ZDumpOptions = z.object({
  snapshotId: ZSnapshotRef,
  /** A file (or, with `archive`, a directory) inside the snapshot. */
  path: ZSnapshotPath,
  archive: z.enum(["tar", "zip"]).optional(),
  /** File on the endpoint to write to; it must not exist yet. */
  target: ZEndpointPath.optional(),
});
export const ZDumpParams = ZDumpOptions.extend({ kind: z.literal("dump") });
export type TDumpParams = z.infer<typeof ZDumpParams>;

export const ZCatConfigParams = z.object({ kind: z.literal("cat-config") });
export type TCatConfigParams = z.infer<typeof ZCatConfigParams>;

export const ZListLocksParams = z.object({ kind: z.literal("list-locks") });
export type TListLocksParams = z.infer<typeof ZListLocksParams>;

export const ZVersionParams = z.object({ kind: z.literal("version") });
export type TVersionParams = z.infer<typeof ZVersionParams>;

/**
 * A restore drill: restores a random sample of files from a set's latest snapshot into a
 * temporary directory, verifies each against the snapshot, removes the sample again.
 */
export const ZDrillOptions = z.object({
  /** Which snapshots: the set's tag (`rm-set:<id>`); the latest of them is drilled. */
  tags: z.array(ZTagFilter).min(1).max(10),
  /** How many files to sample, at most. */
  sampleFiles: z.number().int().min(1).max(10_000).default(20),
  /** How many bytes to restore, at most (files are sampled until the next would exceed it). */
  sampleBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 ** 4)
    .optional(),
  /** Where the temporary directory is made; the system's temporary directory by default. */
  scratchDir: ZEndpointPath.optional(),
});
export const ZDrillParams = ZDrillOptions.extend({ kind: z.literal("drill") });
export type TDrillParams = z.infer<typeof ZDrillParams>;

/** Snapshots, sizes and locks in one run: what a repository's health card shows. */
export const ZHealthParams = z.object({ kind: z.literal("health") });
export type THealthParams = z.infer<typeof ZHealthParams>;

/**
 * Replace the agent's own bundle with the one the server offers, and restart into it: the
 * agent checks the download against `size` and `sha256` and keeps the old file to roll back to.
 */
export const ZAgentUpdateParams = z.object({
  kind: z.literal("agent-update"),
  version: z.string().trim().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 hexadecimal digits"),
  size: z
    .number()
    .int()
    .min(1)
    .max(256 * 1024 * 1024),
});
export type TAgentUpdateParams = z.infer<typeof ZAgentUpdateParams>;

/**
 * The lock a job takes on its repository: `exclusive` conflicts with every other lock
 * (restic's forget, prune and check), `shared` only with exclusive ones, `none` with nothing.
 */
export type TJobLockMode = "none" | "shared" | "exclusive";

export interface JobKindTraits {
  /** Works on a repository (all but `version`, which asks the host's restic). */
  needsRepository: boolean;
  /** Only the maintenance host may run it, through the maintenance endpoint. */
  maintenanceOnly: boolean;
  /** Its success changes what the repository's health shows (a health refresh follows). */
  changesRepository: boolean;
  /** Can complete the registration of a pending repository (init creates, cat-config adopts). */
  setsUpRepository: boolean;
  /**
   * How the job locks its repository. The server holds an `exclusive` job back while it knows
   * other jobs lock the same repository, and restic waits (`--retry-lock`) for locks it does
   * not know of.
   */
  lock: TJobLockMode;
  /** The oldest agent protocol that knows the kind: the server sends it to no older agent. */
  minProtocol: number;
  /**
   * Started only through its own action, which checks the host first (`hosts.updateAgent`
   * for an agent update); the generic job form and retries refuse it.
   */
  ownAction: string | null;
}

const READS: JobKindTraits = {
  needsRepository: true,
  maintenanceOnly: false,
  changesRepository: false,
  setsUpRepository: false,
  lock: "shared",
  minProtocol: 1,
  ownAction: null,
};
const MAINTAINS: JobKindTraits = {
  needsRepository: true,
  maintenanceOnly: true,
  changesRepository: true,
  setsUpRepository: false,
  lock: "exclusive",
  minProtocol: 1,
  ownAction: null,
};

/** What each kind of job is, read by the server, the agent and the web app alike. */
export const JOB_KIND_TRAITS: Record<TJobKind, JobKindTraits> = {
  init: { ...READS, changesRepository: true, setsUpRepository: true, lock: "none" },
  backup: { ...READS, changesRepository: true },
  forget: MAINTAINS,
  prune: MAINTAINS,
  check: { ...READS, lock: "exclusive" },
  // restic's unlock takes no lock, but clearing locks while jobs hold them is never meant.
  unlock: MAINTAINS,
  snapshots: READS,
  stats: READS,
  ls: READS,
  diff: READS,
  restore: READS,
  dump: READS,
  "cat-config": { ...READS, setsUpRepository: true, lock: "none" },
  "list-locks": { ...READS, lock: "none" },
  version: { ...READS, needsRepository: false, lock: "none" },
  health: READS,
  drill: READS,
  "agent-update": {
    ...READS,
    needsRepository: false,
    lock: "none",
    minProtocol: 4,
    ownAction: "hosts.updateAgent",
  },
};

function kindsWhere(test: (traits: JobKindTraits) => boolean): TJobKind[] {
  return JOB_KINDS.filter((kind) => test(JOB_KIND_TRAITS[kind]));
}

/** What only the maintenance host may run, through the maintenance endpoint. */
export const MAINTENANCE_KINDS = kindsWhere((traits) => traits.maintenanceOnly);
export function isMaintenanceKind(kind: TJobKind): boolean {
  return JOB_KIND_TRAITS[kind].maintenanceOnly;
}

/**
 * Why a maintenance-only kind cannot run where it was asked to: the words the server's refusal
 * and the web form's explanation share. Each puts its own subject before them ("prune on
 * \"r\"" in an API error, "Prune" in the form).
 */
export const MAINTENANCE_REFUSAL = {
  /** The repository has no maintenance endpoint and host. */
  noMaintenanceHost: (repository: string) =>
    `can delete data, so it runs only on a maintenance host: give ${repository} a maintenance endpoint and host first`,
  /** Asked of a host other than the maintenance host. */
  notTheMaintenanceHost: (maintenanceHost: string) =>
    `runs only on ${maintenanceHost}: other hosts have append-only access`,
} as const;

/** Kinds anyone who may run jobs starts from the job form (their `ownAction` is null). */
export type TOperationKind = Exclude<TJobKind, "agent-update">;
export const OPERATION_KINDS = kindsWhere(
  (traits) => traits.ownAction === null,
) as TOperationKind[];

/** Kinds that take any lock on their repository. */
export const LOCKING_KINDS = kindsWhere((traits) => traits.lock !== "none");

export const ZJobParams = z.discriminatedUnion("kind", [
  ZInitParams,
  ZBackupParams,
  ZForgetParams,
  ZPruneParams,
  ZCheckParams,
  ZUnlockParams,
  ZSnapshotsParams,
  ZStatsParams,
  ZLsParams,
  ZDiffParams,
  ZRestoreParams,
  ZDumpParams,
  ZCatConfigParams,
  ZListLocksParams,
  ZVersionParams,
  ZHealthParams,
  ZDrillParams,
  ZAgentUpdateParams,
]);
export type TJobParams = z.infer<typeof ZJobParams>;
export type TJobParamsInput = z.input<typeof ZJobParams>;

/** A job's life: queued → dispatched → running → succeeded | failed | cancelled, or lost. */
export const JOB_STATES = [
  "queued",
  "dispatched",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "lost",
] as const;
export const ZJobState = z.enum(JOB_STATES);
export type TJobState = z.infer<typeof ZJobState>;
export const TERMINAL_JOB_STATES: readonly TJobState[] = [
  "succeeded",
  "failed",
  "cancelled",
  "lost",
];
