import { spawn } from "node:child_process";

/** One process to start: never through a shell, so arguments are never re-parsed. */
export interface ProcessSpec {
  command: string;
  args: readonly string[];
  /** The complete environment of the child (nothing is inherited besides this). */
  env: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export type StopSignal = "SIGINT" | "SIGKILL";

export interface RunningProcess {
  stdout: AsyncIterable<Uint8Array>;
  stderr: AsyncIterable<Uint8Array>;
  /** Settles once the process has exited and its output streams are closed. Rejects if it never started. */
  exited: Promise<ProcessExit>;
  kill(signal: StopSignal): void;
}

/** Starts processes. Tests substitute a fake; the agent uses `nodeProcessRunner`. */
export type ProcessRunner = (spec: ProcessSpec) => RunningProcess;

export const nodeProcessRunner: ProcessRunner = (spec) => {
  const child = spawn(spec.command, [...spec.args], {
    env: { ...spec.env },
    cwd: spec.cwd,
    shell: false,
    windowsHide: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once("error", (error) => {
      // After a successful start, 'error' only reports a failed kill(); 'close' still follows.
      if (child.pid === undefined) reject(error);
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
};
