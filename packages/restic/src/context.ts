import type { ResticRepository } from "./environment.js";
import { nodeProcessRunner, type ProcessRunner } from "./runner.js";

/** How to run restic on this endpoint. Everything has a default. */
export interface ResticOptions {
  /** The restic binary; found through PATH unless absolute. Default `restic`. */
  bin?: string;
  runner?: ProcessRunner;
  /**
   * Where allow-listed variables (PATH, HOME, TMPDIR, …) are taken from. Default: this
   * process's environment. Only the allow-list is passed on.
   */
  inheritEnv?: Readonly<Record<string, string | undefined>>;
  /** `--cache-dir`; `false` runs with `--no-cache`; unset uses restic's default location. */
  cacheDir?: string | false;
  /** `--retry-lock`: how long to wait for a conflicting lock, as a Go duration (`2m`, `30s`). */
  retryLock?: string;
  /** RESTIC_PROGRESS_FPS: how often restic itself prints status lines. */
  progressFps?: number;
  /** Minimum time between two progress callbacks. Default 250 ms (at most 4 per second). */
  progressIntervalMs?: number;
  /** After SIGINT, how long restic may take to remove its lock before SIGKILL. Default 10 s. */
  killGraceMs?: number;
  /** Ceiling on output held in memory for one run (bytes); past it restic is stopped. Default 16 MiB. */
  maxOutputBytes?: number;
  /** How much of stderr is kept for errors (characters). Default 8 KiB. */
  stderrTailChars?: number;
  /** Working directory for restic (relative backup paths resolve against it). */
  cwd?: string;
  /** Every line restic writes to stderr, redacted, as it arrives (warnings, item errors). */
  onStderrLine?: (line: string) => void;
  /** The arguments of each restic run, redacted, as it starts: a job's log says what ran. */
  onCommand?: (args: readonly string[]) => void;
}

/** Options plus the repository every command except `version` works on. */
export interface ResticContext extends ResticOptions {
  repository: ResticRepository;
}

export interface RunOptions {
  signal?: AbortSignal;
}

export interface ProgressRunOptions<P> extends RunOptions {
  /** Throttled (see `progressIntervalMs`); the last status before the end is always delivered. */
  onProgress?: (progress: P) => void;
}

export interface ResolvedOptions {
  bin: string;
  runner: ProcessRunner;
  inheritEnv: Readonly<Record<string, string | undefined>>;
  cacheDir: string | false | undefined;
  retryLock: string | undefined;
  progressFps: number | undefined;
  progressIntervalMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  stderrTailChars: number;
  cwd: string | undefined;
  onStderrLine: ((line: string) => void) | undefined;
  onCommand: ((args: readonly string[]) => void) | undefined;
  repository: ResticRepository | undefined;
}

export const DEFAULTS = {
  progressIntervalMs: 250,
  killGraceMs: 10_000,
  maxOutputBytes: 16 * 1024 * 1024,
  stderrTailChars: 8 * 1024,
} as const;

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function resolveOptions(options: ResticOptions & { repository?: ResticRepository }) {
  if (options.retryLock !== undefined && !GO_DURATION.test(options.retryLock)) {
    throw new RangeError(
      `retryLock must be a duration such as 30s or 2m, got ${options.retryLock}`,
    );
  }
  const resolved: ResolvedOptions = {
    bin: options.bin ?? "restic",
    runner: options.runner ?? nodeProcessRunner,
    // The one place this package reads the agent's environment, and only to filter it.
    inheritEnv: options.inheritEnv ?? process.env,
    cacheDir: options.cacheDir,
    retryLock: options.retryLock,
    progressFps: options.progressFps,
    progressIntervalMs: options.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
    killGraceMs: options.killGraceMs ?? DEFAULTS.killGraceMs,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
    stderrTailChars: options.stderrTailChars ?? DEFAULTS.stderrTailChars,
    cwd: options.cwd,
    onStderrLine: options.onStderrLine,
    onCommand: options.onCommand,
    repository: options.repository,
  };
  return resolved;
}

/** Flags that go before the subcommand's own. */
export function globalArgs(options: ResolvedOptions): string[] {
  const args: string[] = [];
  if (options.cacheDir === false) args.push("--no-cache");
  else if (options.cacheDir !== undefined) args.push(`--cache-dir=${options.cacheDir}`);
  if (options.retryLock !== undefined) args.push(`--retry-lock=${options.retryLock}`);
  return args;
}
