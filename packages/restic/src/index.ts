/** A typed wrapper over the restic CLI: one module per command, validated output, typed errors. */
export { type BackupOptions, backup, backupArgs } from "./commands/backup.js";
export { catConfig, catConfigArgs } from "./commands/cat-config.js";
export { type CheckOptions, check, checkArgs } from "./commands/check.js";
export { type DiffOptions, diff, diffArgs } from "./commands/diff.js";
export { type DrillOptions, type DrillRunOptions, drill } from "./commands/drill.js";
export { batchPatterns, literalPattern, Reservoir, withinBytes } from "./commands/drill-sample.js";
export {
  type DumpOptions,
  type DumpOutcome,
  type DumpRunOptions,
  dump,
  dumpArgs,
} from "./commands/dump.js";
export { type ForgetOptions, forget, forgetArgs } from "./commands/forget.js";
export { health, summariseHosts } from "./commands/health.js";
export { init, initArgs } from "./commands/init.js";
export {
  catLock,
  catLockArgs,
  type ListLocksOptions,
  listLockIds,
  listLockIdsArgs,
  listLocks,
  lockStaleness,
  processExists,
  type ResticLock,
  STALE_LOCK_AGE_MS,
  type StalenessProbe,
} from "./commands/locks.js";
export { type LsOptions, ls, lsArgs } from "./commands/ls.js";
export {
  type PruneOptions,
  parsePruneReport,
  parseSize,
  prune,
  pruneArgs,
} from "./commands/prune.js";
export { type RestoreOptions, restore, restoreArgs } from "./commands/restore.js";
export { type SnapshotsOptions, snapshots, snapshotsArgs } from "./commands/snapshots.js";
export { type StatsOptions, stats, statsArgs } from "./commands/stats.js";
export { type UnlockOptions, unlock, unlockArgs } from "./commands/unlock.js";
export {
  assertSupportedVersion,
  compareVersions,
  ensureSupportedVersion,
  MIN_RESTIC_VERSION,
  parseVersionOutput,
  version,
} from "./commands/version.js";
export {
  DEFAULTS,
  type ProgressRunOptions,
  type ResticContext,
  type ResticOptions,
  type RunOptions,
} from "./context.js";
export {
  buildResticEnvironment,
  ResticEnvironmentError,
  type ResticRepository,
  secretValues,
} from "./environment.js";
export * from "./errors.js";
export { type JobRunOptions, runResticJob } from "./job.js";
export { createRedactor, REDACTED } from "./redact.js";
export {
  nodeProcessRunner,
  type ProcessExit,
  type ProcessRunner,
  type ProcessSpec,
  type RunningProcess,
  type StopSignal,
} from "./runner.js";
export { createThrottle, type Throttle } from "./throttle.js";
