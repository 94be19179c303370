import type { JobState } from "./eventBus.js";

/**
 * What the server needs about a job between its creation and its end, kept in memory so that
 * progress, log lines and results cost no database read: whose it is (the host that may report
 * on it), what it is (kind, repository, set, schedule: the lock it holds and what finishing it
 * touches) and where it stands.
 */
export interface ActiveJob {
  id: string;
  hostId: string;
  kind: string;
  repositoryId: string | null;
  backupSetId: string | null;
  scheduleId: string | null;
  state: JobState;
  createdAt: Date;
  startedAt: Date | null;
  cancelRequested: boolean;
  /** When its progress was last written (the database keeps it at most once a second). */
  progressStoredAt: number;
  /** When its log first said restic cannot reach the repository and is retrying. */
  unreachableSince?: number;
  /** Whoever listens was told the repository does not answer (once per job). */
  toldUnreachable?: boolean;
}

/** The columns an ActiveJob is loaded from. */
export const ACTIVE_JOB_FIELDS = {
  id: true,
  hostId: true,
  kind: true,
  repositoryId: true,
  backupSetId: true,
  scheduleId: true,
  state: true,
  createdAt: true,
  startedAt: true,
  cancelRequested: true,
} as const;

export const ACTIVE_STATES: readonly JobState[] = ["queued", "dispatched", "running"];

/**
 * The jobs this process is tracking, and per host the ones a (re)connect of its agent must be
 * told about: queued, sent but not yet acknowledged as started, or running with a cancel the
 * agent may not have heard. A host with none costs its connect no query.
 */
export class ActiveJobs {
  private readonly jobs = new Map<string, ActiveJob>();
  private readonly pending = new Map<string, Set<string>>();
  /** Per repository, its tracked jobs: what a job's end or a health refresh looks through. */
  private readonly onRepository = new Map<string, Set<ActiveJob>>();

  get(jobId: string): ActiveJob | undefined {
    return this.jobs.get(jobId);
  }

  /** Starts tracking a job (created, loaded at start, or met for the first time). */
  track(job: Omit<ActiveJob, "progressStoredAt">): ActiveJob {
    const tracked = { ...job, progressStoredAt: 0 };
    this.drop(job.id);
    this.jobs.set(job.id, tracked);
    if (job.repositoryId) {
      const set = this.onRepository.get(job.repositoryId);
      if (set) set.add(tracked);
      else this.onRepository.set(job.repositoryId, new Set([tracked]));
    }
    this.update(tracked);
    return tracked;
  }

  /** Re-files a tracked job after its state or cancel flag changed. */
  update(job: ActiveJob): void {
    const needsConnect =
      job.state === "queued" ||
      job.state === "dispatched" ||
      (job.state === "running" && job.cancelRequested);
    const set = this.pending.get(job.hostId);
    if (needsConnect) {
      if (set) set.add(job.id);
      else this.pending.set(job.hostId, new Set([job.id]));
    } else if (set?.delete(job.id) && set.size === 0) {
      this.pending.delete(job.hostId);
    }
  }

  /** The job ended (or was never to be tracked): forgotten. */
  drop(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    const set = this.pending.get(job.hostId);
    if (set?.delete(jobId) && set.size === 0) this.pending.delete(job.hostId);
    if (job.repositoryId) {
      const jobs = this.onRepository.get(job.repositoryId);
      if (jobs?.delete(job) && jobs.size === 0) this.onRepository.delete(job.repositoryId);
    }
  }

  /** A tracked job of this kind on this repository (other than `except`), if any. */
  findOn(repositoryId: string, kind: string, except?: string): ActiveJob | undefined {
    for (const job of this.onRepository.get(repositoryId) ?? []) {
      if (job.kind === kind && job.id !== except) return job;
    }
    return undefined;
  }

  /** The host was deleted (its jobs with it): none of its jobs is tracked any longer. */
  forgetHost(hostId: string): void {
    for (const [id, job] of this.jobs) if (job.hostId === hostId) this.drop(id);
    this.pending.delete(hostId);
  }

  /** True when a connect of this host has something to send. */
  hasPending(hostId: string): boolean {
    return this.pending.has(hostId);
  }

  /** The host's tracked jobs a connect must send, as they stand. */
  pendingOf(hostId: string): ActiveJob[] {
    const ids = this.pending.get(hostId);
    if (!ids) return [];
    return [...ids].flatMap((id) => this.jobs.get(id) ?? []);
  }

  /** True when the host has a queued job, which a newer one must not overtake. */
  hasQueued(hostId: string): boolean {
    return this.pendingOf(hostId).some((job) => job.state === "queued");
  }

  /** Hosts with a queued job on this repository (waiting for its lock to be released). */
  hostsQueuedOn(repositoryId: string): string[] {
    const hosts = new Set<string>();
    for (const job of this.onRepository.get(repositoryId) ?? []) {
      if (job.state === "queued") hosts.add(job.hostId);
    }
    return [...hosts];
  }

  get size(): number {
    return this.jobs.size;
  }
}
