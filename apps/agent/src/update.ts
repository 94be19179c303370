import { type ChildProcess, execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  createWriteStream,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import type { TAgentUpdateParams } from "@restic-manager/contracts";
import type { Log } from "./log.js";
import type { AgentJob, ExecutionHooks, ExecutionResult } from "./runner.js";
import { startTrial, TRIAL_ENV } from "./trial.js";

/**
 * The agent's self-update (an `agent-update` job): download the bundle the server offers, check
 * it, put it in place with the old one kept as `<bundle>.previous`, and try it (trial.ts). The
 * old process hands its connection to the new one; if the new one does not connect in time, it
 * is stopped, the old file goes back and the old agent connects again.
 */

export interface UpdateSeams {
  /** The server the agent is connected to now: the bundle is downloaded from it. */
  serverUrl(): string;
  log: Log;
  /** The running agent's version. */
  version: string;
  /** The file this process runs from (`process.argv[1]`). */
  bundlePath: string;
  /** The command line to start the agent again with (the same subcommand and options). */
  args: string[];
  /** How long a new agent has to connect and be accepted. */
  trialMs: number;
  /** Jobs other than `jobId` running or waiting here. */
  otherJobs(jobId: string): number;
  /** Stops the link and the schedules: one agent speaks for the host at a time. */
  suspend(): Promise<void>;
  /** Starts them again (the trial failed). */
  resume(): void;
  /**
   * The new agent connected, started by this process: this process only waits for it from
   * now on (see trial.ts; under a waiter already, this process exits instead).
   */
  becomeWaiter(child: ChildProcess): void;
}

class UpdateRefused extends Error {}

const failed = (error: string): ExecutionResult => ({ outcome: "failed", exitCode: null, error });

/** Why this agent cannot replace its own file, or null when it can. */
export function cannotReplace(bundlePath: string, version: string): string | null {
  if (version === "dev" || !bundlePath.endsWith(".mjs")) {
    return `this agent runs from source (${bundlePath}), not from a bundle: update it from its checkout instead`;
  }
  const folder = path.dirname(bundlePath);
  try {
    accessSync(folder, constants.W_OK);
    accessSync(bundlePath, constants.W_OK);
  } catch {
    return `the agent's folder ${folder} cannot be written (read-only, as in a container image): update the image or the file instead`;
  }
  return null;
}

export function createUpdateExecutor(seams: UpdateSeams) {
  return async (job: AgentJob, hooks: ExecutionHooks): Promise<ExecutionResult> => {
    const { params } = job;
    if (params.kind !== "agent-update") return failed("not an agent update");
    try {
      const refusal = cannotReplace(seams.bundlePath, seams.version);
      if (refusal) throw new UpdateRefused(refusal);
      if (params.version === seams.version) {
        throw new UpdateRefused(`this agent already runs ${params.version}`);
      }
      const others = seams.otherJobs(job.id);
      if (others > 0) {
        throw new UpdateRefused(
          `${others} other job${others === 1 ? " is" : "s are"} running; update when the agent is idle`,
        );
      }
      hooks.onLog("agent", `downloading agent ${params.version} from ${seams.serverUrl()}`);
      const staged = await stage(seams, params, hooks.signal);
      hooks.onLog("agent", `agent ${params.version} checked (sha256 ${params.sha256}); trying it`);
      return await trial(seams, job, staged, hooks.signal);
    } catch (error) {
      if (!(error instanceof UpdateRefused)) {
        seams.log.error("update.failed", { jobId: job.id, message: (error as Error).message });
      }
      return failed((error as Error).message);
    }
  };
}

interface Staged {
  bundle: string;
  previous: string;
}

/**
 * Downloads the new bundle to `agent.new.mjs`, checks its size, sha256 and `version` output, and
 * only then keeps the running file as `<bundle>.previous` and renames the new one into place.
 * Any failure before the rename leaves the running file as it was.
 */
async function stage(
  seams: UpdateSeams,
  params: TAgentUpdateParams,
  signal: AbortSignal,
): Promise<Staged> {
  const bundle = seams.bundlePath;
  // Ends in .mjs, or Node.js would not load it as a module to check its version.
  const next = bundle.replace(/\.mjs$/, ".new.mjs");
  const previous = `${bundle}.previous`;
  try {
    const url = new URL("agent/agent.mjs", `${seams.serverUrl().replace(/\/+$/, "")}/`);
    const sha256 = await download(url, next, params.size, signal);
    if (sha256 !== params.sha256) {
      throw new UpdateRefused(
        `the downloaded agent's sha256 is ${sha256}, not ${params.sha256}: nothing was changed`,
      );
    }
    const printed = await versionOf(next);
    if (printed !== params.version) {
      throw new UpdateRefused(
        `the downloaded agent says it is ${JSON.stringify(printed)}, not ${params.version}: nothing was changed`,
      );
    }
    chmodSync(next, statSync(bundle).mode & 0o777);
    copyFileSync(bundle, previous);
    renameSync(next, bundle);
    return { bundle, previous };
  } finally {
    rmSync(next, { force: true });
  }
}

/** Streams the server's bundle into `file`, at most `size` bytes; returns its sha256. */
function download(url: URL, file: string, size: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).get(url, { signal }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new UpdateRefused(`the server answered ${response.statusCode} for ${url.pathname}`));
        return;
      }
      const hash = createHash("sha256");
      const out = createWriteStream(file, { mode: 0o600 });
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > size) {
          response.destroy();
          out.destroy();
          reject(
            new UpdateRefused(`the download is larger than ${size} bytes: nothing was changed`),
          );
          return;
        }
        hash.update(chunk);
        out.write(chunk);
      });
      response.on("error", reject);
      response.on("end", () => {
        out.end(() => {
          if (received !== size) {
            reject(
              new UpdateRefused(
                `the download has ${received} bytes, not ${size}: nothing was changed`,
              ),
            );
          } else {
            resolve(hash.digest("hex"));
          }
        });
      });
      out.on("error", reject);
    });
    request.on("error", (error) =>
      reject(new UpdateRefused(`could not download the agent: ${error.message}`)),
    );
  });
}

/** What `node <file> version` prints: proves the file runs on this Node.js. */
function versionOf(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [file, "version"],
      { timeout: 30_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new UpdateRefused(
              `the downloaded agent does not run here: ${lastLines(stderr) || error.message}`,
            ),
          );
          return;
        }
        resolve(stdout.trim());
      },
    );
  });
}

function lastLines(text: string, count = 5): string {
  return text.trim().split("\n").slice(-count).join("\n").slice(-2000);
}

/**
 * Starts the new file with this process's command line and waits for it to be accepted by the
 * server. Accepted: this process hands over and never reports the job (the new agent does).
 * Otherwise the new agent is stopped, the old file put back, and this agent connects again.
 */
async function trial(
  seams: UpdateSeams,
  job: AgentJob,
  staged: Staged,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  await seams.suspend();
  // A scheduled run may have slipped in between the check and the suspend.
  const others = seams.otherJobs(job.id);
  if (others > 0) {
    renameSync(staged.previous, staged.bundle);
    seams.resume();
    return failed(`${others} other job(s) started meanwhile; update when the agent is idle`);
  }
  const child = startTrial(staged.bundle, seams.args, {
    [TRIAL_ENV.job]: job.id,
    [TRIAL_ENV.from]: seams.version,
  });
  // Its last lines of stderr explain a failure.
  let stderrTail = "";
  child.onStderr((chunk) => {
    stderrTail = (stderrTail + chunk).slice(-8000);
  });
  const outcome = await new Promise<{ connected: true } | { connected: false; reason: string }>(
    (resolve) => {
      const timer = setTimeout(
        () =>
          resolve({
            connected: false,
            reason: `it did not connect within ${Math.round(seams.trialMs / 1000)} s`,
          }),
        seams.trialMs,
      );
      const settle = (value: { connected: true } | { connected: false; reason: string }) => {
        clearTimeout(timer);
        resolve(value);
      };
      child.onMessage((message) => {
        if (message.type === "agent-update.connected") settle({ connected: true });
        if (message.type === "agent-update.refused") {
          settle({ connected: false, reason: `the server refused it: ${message.reason}` });
        }
      });
      child.onExit((code, sig) =>
        settle({ connected: false, reason: `it exited (${sig ?? `code ${code}`})` }),
      );
      signal.addEventListener("abort", () => settle({ connected: false, reason: "cancelled" }), {
        once: true,
      });
    },
  );
  if (outcome.connected) {
    seams.log.info("update.handed_over", { jobId: job.id });
    child.handOver(seams.becomeWaiter);
    // The new agent reports this job; this process is its waiter or exits (see trial.ts).
    return new Promise<ExecutionResult>(() => undefined);
  }
  await child.stop();
  renameSync(staged.previous, staged.bundle);
  seams.log.warn("update.rolled_back", { jobId: job.id, reason: outcome.reason });
  seams.resume();
  const tail = lastLines(stderrTail);
  return failed(
    `agent ${(job.params as TAgentUpdateParams).version} was rolled back: ${outcome.reason}` +
      (tail ? `\n${tail}` : ""),
  );
}
