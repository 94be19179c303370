import type {
  ProcessExit,
  ProcessRunner,
  ProcessSpec,
  RunningProcess,
  StopSignal,
} from "../../src/index.js";

/** One real restic invocation as recorded: what went in (minus env values) and what came out. */
export interface RecordedRun {
  args: string[];
  /** Names only: values (the password among them) are never written down. */
  envKeys: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
}

/** A queue that an async iterator drains: how fakes feed output like a real pipe. */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  push(chunk: Uint8Array | string) {
    this.chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    this.wake?.();
  }

  close() {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}

/** A process under the test's control: it writes what it is told and exits when told. */
export class FakeProcess implements RunningProcess {
  readonly stdoutQueue = new ChunkQueue();
  readonly stderrQueue = new ChunkQueue();
  readonly stdout: AsyncIterable<Uint8Array> = this.stdoutQueue;
  readonly stderr: AsyncIterable<Uint8Array> = this.stderrQueue;
  readonly exited: Promise<ProcessExit>;
  readonly signals: StopSignal[] = [];
  /** What the process does when signalled; default: exit like restic (130 on SIGINT). */
  onSignal: (signal: StopSignal, process: FakeProcess) => void = (signal, process) => {
    process.exit(signal === "SIGINT" ? { code: 130, signal: null } : { code: null, signal });
  };
  private resolveExit: (exit: ProcessExit) => void = () => undefined;
  private done = false;

  constructor(readonly spec: ProcessSpec) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get hasExited() {
    return this.done;
  }

  writeStdout(text: string | Uint8Array) {
    this.stdoutQueue.push(text);
  }

  writeStderr(text: string | Uint8Array) {
    this.stderrQueue.push(text);
  }

  exit(exit: ProcessExit) {
    if (this.done) return;
    this.done = true;
    this.stdoutQueue.close();
    this.stderrQueue.close();
    this.resolveExit(exit);
  }

  kill(signal: StopSignal) {
    if (this.done) return;
    this.signals.push(signal);
    this.onSignal(signal, this);
  }
}

/** A runner whose processes the test drives; `processes` lists every start in order. */
export function fakeRunner(setup?: (process: FakeProcess) => void) {
  const processes: FakeProcess[] = [];
  const runner: ProcessRunner = (spec) => {
    const process = new FakeProcess(spec);
    processes.push(process);
    setup?.(process);
    return process;
  };
  return { runner, processes };
}

/** A fake process that prints `stdout`/`stderr` and exits with `exitCode`. */
export function scriptedRunner(script: {
  stdout?: string | string[];
  stderr?: string | string[];
  exitCode?: number | null;
  signal?: string | null;
}) {
  return fakeRunner((process) => {
    for (const chunk of [script.stdout ?? []].flat()) process.writeStdout(chunk);
    for (const chunk of [script.stderr ?? []].flat()) process.writeStderr(chunk);
    process.exit({
      code: script.exitCode === undefined ? 0 : script.exitCode,
      signal: script.signal ?? null,
    });
  });
}

/** Splits text into small chunks so replays cross line (and UTF-8) boundaries like a pipe does. */
function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const result: Buffer[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += size) {
    result.push(bytes.subarray(offset, offset + size));
  }
  return result;
}

/**
 * Replays recorded real runs in order. Each start must ask for exactly the arguments that
 * were recorded: the fixture then proves argument building as well as parsing.
 */
export function replayRunner(runs: readonly RecordedRun[], chunkSize = 61) {
  let next = 0;
  const specs: ProcessSpec[] = [];
  const runner: ProcessRunner = (spec) => {
    specs.push(spec);
    const run = runs[next];
    next += 1;
    if (run === undefined) throw new Error(`unexpected restic start: ${spec.args.join(" ")}`);
    if (JSON.stringify(spec.args) !== JSON.stringify(run.args)) {
      throw new Error(
        `arguments differ from the recording:\n  got      ${JSON.stringify(spec.args)}\n  recorded ${JSON.stringify(run.args)}`,
      );
    }
    const process = new FakeProcess(spec);
    for (const chunk of chunks(run.stdout, chunkSize)) process.writeStdout(chunk);
    for (const chunk of chunks(run.stderr, chunkSize)) process.writeStderr(chunk);
    process.exit({ code: run.exitCode, signal: run.signal });
    return process;
  };
  return {
    runner,
    specs,
    get remaining() {
      return runs.length - next;
    },
  };
}

/** Wraps a runner and records every run it starts (for the fixture recorder). */
export function recordingRunner(inner: ProcessRunner) {
  const runs: RecordedRun[] = [];
  const runner: ProcessRunner = (spec) => {
    const record: RecordedRun = {
      args: [...spec.args],
      envKeys: Object.keys(spec.env).sort(),
      stdout: "",
      stderr: "",
      exitCode: null,
      signal: null,
    };
    runs.push(record);
    const child = inner(spec);
    const tee = async function* (source: AsyncIterable<Uint8Array>, stream: "stdout" | "stderr") {
      const sink: Buffer[] = [];
      try {
        for await (const chunk of source) {
          sink.push(Buffer.from(chunk));
          yield chunk;
        }
      } finally {
        // The wrapper drains both streams before it returns, so the record is complete then.
        record[stream] = Buffer.concat(sink).toString("utf8");
      }
    };
    return {
      stdout: tee(child.stdout, "stdout"),
      stderr: tee(child.stderr, "stderr"),
      exited: child.exited.then((exit) => {
        record.exitCode = exit.code;
        record.signal = exit.signal;
        return exit;
      }),
      kill: (signal) => child.kill(signal),
    };
  };
  return { runner, runs };
}

/** Sends `signal` to the process as soon as it prints its first stdout chunk. */
export function signalOnFirstOutput(inner: ProcessRunner, signal: StopSignal): ProcessRunner {
  return (spec) => {
    const child = inner(spec);
    let sent = false;
    const watch = async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        if (!sent) {
          sent = true;
          child.kill(signal);
        }
        yield chunk;
      }
    };
    return { ...child, stdout: watch(child.stdout), kill: (s) => child.kill(s) };
  };
}
