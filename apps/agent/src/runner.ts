import type {
  TAgentCommand,
  TJobFinished,
  TLogLine,
  TResticProgress,
} from "@restic-manager/contracts";

export type AgentJob = Extract<TAgentCommand, { type: "job" }>["job"];

export type ExecutionResult = Omit<TJobFinished, "jobId" | "finishedAt">;

export interface ExecutionHooks {
  signal: AbortSignal;
  onProgress(sample: TResticProgress): void;
  onLog(stream: TLogLine["stream"], line: string): void;
}

/** Runs one job to the end; never throws (a failure is an ExecutionResult). */
export type Executor = (job: AgentJob, hooks: ExecutionHooks) => Promise<ExecutionResult>;

/** Where the runner sends what happens; the link to the server implements it. */
export interface JobReporter {
  started(job: AgentJob, startedAt: Date): void;
  progress(jobId: string, sample: TResticProgress): void;
  log(jobId: string, line: TLogLine): void;
  finished(result: TJobFinished): void;
}

const REMEMBERED_JOBS = 2000;

interface Running {
  job: AgentJob;
  startedAt: Date;
  abort: AbortController;
}

/**
 * Runs jobs, one restic process per repository at a time (restic would only wait on the
 * repository lock otherwise); the rest queue in arrival order. A job id seen before is
 * ignored, so a re-sent job never runs twice.
 */
export class JobRunner {
  private readonly queue: AgentJob[] = [];
  private readonly running = new Map<string, Running>();
  private readonly busyRepositories = new Set<string>();
  private readonly seen = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly execute: Executor,
    private readonly reporter: JobReporter,
    private readonly isKnownElsewhere: (jobId: string) => boolean = () => false,
  ) {}

  /** Accepts a job from the server; false when it was already known. */
  submit(job: AgentJob): boolean {
    if (this.seen.has(job.id) || this.isKnownElsewhere(job.id)) return false;
    this.remember(job.id);
    this.queue.push(job);
    this.pump();
    return true;
  }

  cancel(jobId: string): void {
    const running = this.running.get(jobId);
    if (running) {
      running.abort.abort();
      return;
    }
    const index = this.queue.findIndex((job) => job.id === jobId);
    if (index >= 0) {
      const [job] = this.queue.splice(index, 1);
      if (job) {
        this.reporter.finished({
          jobId: job.id,
          outcome: "cancelled",
          exitCode: null,
          error: "cancelled before it started",
          finishedAt: new Date(),
        });
      }
    }
  }

  /** Stops everything (agent shutdown): running jobs are interrupted and reported cancelled. */
  abortAll(): void {
    for (const running of this.running.values()) running.abort.abort();
  }

  runningJobs(): Array<{ jobId: string; kind: string; startedAt: Date }> {
    return [...this.running.values()].map((r) => ({
      jobId: r.job.id,
      kind: r.job.params.kind,
      startedAt: r.startedAt,
    }));
  }

  /** Whether a run of the schedule is queued or running here. */
  isScheduleActive(scheduleId: string): boolean {
    for (const running of this.running.values()) {
      if (running.job.scheduleId === scheduleId) return true;
    }
    return this.queue.some((job) => job.scheduleId === scheduleId);
  }

  queuedJobs(): Array<{ jobId: string; kind: string }> {
    return this.queue.map((job) => ({ jobId: job.id, kind: job.params.kind }));
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i];
      if (!job) break;
      const key = repositoryKey(job);
      if (this.busyRepositories.has(key)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.busyRepositories.add(key);
      void this.run(job, key);
    }
  }

  private async run(job: AgentJob, key: string): Promise<void> {
    const abort = new AbortController();
    const startedAt = new Date();
    this.running.set(job.id, { job, startedAt, abort });
    this.reporter.started(job, startedAt);
    let timedOut = false;
    const timeout = job.timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, job.timeoutSeconds * 1000)
      : undefined;
    let result: ExecutionResult;
    try {
      result = await this.execute(job, {
        signal: abort.signal,
        // restic's wrapper already throttles progress (and always delivers the last sample).
        onProgress: (sample) => this.reporter.progress(job.id, sample),
        onLog: (stream, line) => this.reporter.log(job.id, { at: new Date(), stream, line }),
      });
    } catch (error) {
      result = {
        outcome: "failed",
        exitCode: null,
        error: `agent error: ${(error as Error).message}`,
      };
    }
    clearTimeout(timeout);
    if (timedOut && result.outcome !== "succeeded") {
      result = {
        ...result,
        outcome: "failed",
        error: `gave up after ${job.timeoutSeconds} s: the repository did not answer in time (is the backend reachable?)`,
      };
    } else if (abort.signal.aborted && result.outcome === "failed") {
      result = { ...result, outcome: "cancelled" };
    }
    this.running.delete(job.id);
    this.busyRepositories.delete(key);
    this.reporter.finished({ jobId: job.id, ...result, finishedAt: new Date() });
    this.pump();
    if (this.running.size === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private remember(jobId: string): void {
    this.seen.add(jobId);
    if (this.seen.size > REMEMBERED_JOBS) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }
}

/** Jobs on the same repository share a key; a job without one runs on its own. */
export function repositoryKey(job: AgentJob): string {
  return job.repository ? `repo:${job.repository.url}` : `job:${job.id}`;
}
