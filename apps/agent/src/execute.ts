import { JOB_KIND_TRAITS, type TJobResult, type TResticStatus } from "@restic-manager/contracts";
import {
  ensureSupportedVersion,
  MIN_RESTIC_VERSION,
  ResticCancelledError,
  ResticDrillFailedError,
  ResticError,
  ResticRepositoryLockedError,
  ResticVersionError,
  runResticJob,
} from "@restic-manager/restic";
import type { AgentConfig } from "./config.js";
import type { Log } from "./log.js";
import type { ExecutionResult, Executor } from "./runner.js";

/** Finds restic (configured path or PATH) and says plainly what to do when it is missing or old. */
export async function detectRestic(
  config: Pick<AgentConfig, "resticPath">,
): Promise<TResticStatus> {
  const bin = config.resticPath ?? "restic";
  try {
    const found = await ensureSupportedVersion({ bin });
    return { version: found.version, path: bin, problem: null };
  } catch (error) {
    if (error instanceof ResticVersionError) {
      return {
        version: error.found,
        path: bin,
        problem: `restic ${error.found} is too old: install ${MIN_RESTIC_VERSION} or newer`,
      };
    }
    return {
      version: null,
      path: null,
      problem: config.resticPath
        ? `restic was not found at ${config.resticPath}: fix resticPath in the agent config`
        : `restic was not found on PATH: install restic ${MIN_RESTIC_VERSION} or newer, or set resticPath in the agent config`,
    };
  }
}

function summaryLine(result: TJobResult): string {
  switch (result.kind) {
    case "backup":
      return `snapshot ${result.snapshotId ?? "(none)"}: ${result.summary.filesNew} new, ${result.summary.filesChanged} changed, ${result.summary.filesUnmodified} unmodified files`;
    case "snapshots":
      return `${result.snapshots.length} snapshot(s)`;
    case "drill":
      return `drill of snapshot ${result.snapshotId.slice(0, 8)}: ${result.filesChecked} file(s), ${result.bytesChecked} bytes restored and verified by sha256`;
    default:
      return `${result.kind} finished`;
  }
}

/** restic's arguments as one line; an argument holding whitespace is quoted. */
function commandLine(args: readonly string[]): string {
  return ["restic", ...args].map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(" ");
}

/** A lock that outlived the wait says so first: the rest of restic's message is about the lock. */
function describeFailure(error: ResticError, lockWaitSeconds: number | undefined): string {
  if (!(error instanceof ResticRepositoryLockedError) || !lockWaitSeconds) return error.message;
  return `the repository stayed locked by another restic for ${lockWaitSeconds} s, longer than this job waits: ${error.message}`;
}

/** Runs jobs with restic; failures become results with restic's own error code and message. */
export function createExecutor(config: AgentConfig, log: Log): Executor {
  return async (job, hooks): Promise<ExecutionResult> => {
    const { params } = job;
    hooks.onLog("agent", `starting restic ${params.kind}`);
    const context = {
      bin: config.resticPath ?? "restic",
      // restic's warnings and item errors reach the job's log as they happen.
      onStderrLine: (line: string) => hooks.onLog("stderr", line),
      // What restic was given (a check's subset, a forget's policy), as each run starts.
      onCommand: (args: readonly string[]) => hooks.onLog("agent", commandLine(args)),
      ...(config.resticCacheDir ? { cacheDir: config.resticCacheDir } : {}),
      repository: job.repository ?? { url: "", password: "" },
      // Wait for another restic's lock instead of failing at once (a check during a backup).
      ...(job.lockWaitSeconds ? { retryLock: `${job.lockWaitSeconds}s` } : {}),
    };
    if (!job.repository && JOB_KIND_TRAITS[params.kind].needsRepository) {
      return { outcome: "failed", exitCode: null, error: "the job came without its repository" };
    }
    try {
      const result = await runResticJob(context, params, {
        signal: hooks.signal,
        onProgress: hooks.onProgress,
      });
      const partial = result.kind === "backup" && result.status === "partial";
      hooks.onLog("agent", summaryLine(result));
      return {
        outcome: "succeeded",
        exitCode: partial ? 3 : 0,
        error: partial ? "some files could not be read (restic exit code 3)" : null,
        result,
      };
    } catch (error) {
      if (error instanceof ResticError) {
        return {
          outcome: error instanceof ResticCancelledError ? "cancelled" : "failed",
          exitCode: error.exitCode,
          error: describeFailure(error, job.lockWaitSeconds),
          errorCode: error.code,
          // A failed drill still says what it checked, file by file.
          ...(error instanceof ResticDrillFailedError && error.result
            ? { result: error.result }
            : {}),
        };
      }
      log.error("job.crashed", { jobId: job.id, message: (error as Error).message });
      return {
        outcome: "failed",
        exitCode: null,
        error: `agent error: ${(error as Error).message}`,
      };
    }
  };
}
