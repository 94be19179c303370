import {
  isMaintenanceKind,
  JOB_KIND_TRAITS,
  LOCKING_KINDS,
  type TAgentCommand,
  type TAgentReconcile,
  type TJobFinished,
  type TJobKind,
  type TJobParams,
  type TLogLine,
  type TResticProgress,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, directStatements } from "../db.js";
import { AppError, found } from "../errors.js";
import type { Job } from "../generated/prisma/client.js";
import type { AgentRegistry } from "../hosts/registry.js";
import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import { repositoryAccess } from "../repositories/access.js";
import type { Keyring } from "../secrets/keyring.js";
import { ACTIVE_JOB_FIELDS, ACTIVE_STATES, type ActiveJob, ActiveJobs } from "./activeJobs.js";
import { type JobEventBus, type JobState, TERMINAL_STATES } from "./eventBus.js";
import { JobRecords, type PendingJob, type RoutableRow } from "./records.js";
import { chooseEndpoint, type Endpoint, type RoutableRepository } from "./routing.js";
import { needsRepository, parseJobParams } from "./spec.js";

/** Who asked for a job: a person or token, a schedule, or a retry of an earlier job. */
export type JobCreator =
  | Actor
  | { type: "schedule"; name: string }
  | { type: "system"; name: string };

const PROGRESS_STORE_INTERVAL_MS = 1000;
/**
 * How restic says a backend call failed and will be tried again ("Load(<data/…>, 0, 0)
 * returned error, retrying after 1.2s: … connection refused").
 */
const BACKEND_RETRY = /\) returned error, retrying after /;
/** How long restic must have been retrying its repository before anyone is told. */
const UNREACHABLE_ALERT_MS = 10_000;

export interface JobServiceOptions {
  db: Db;
  keyring: Keyring;
  registry: AgentRegistry;
  bus: JobEventBus;
  logger: Logger;
  /** A dispatched or running job whose agent stays away this long is marked lost. */
  lostAfterMs: number;
  /** Set-up jobs (init or adopt of a pending repository) give up after this long. */
  setupTimeoutSeconds?: number;
  /** How long restic waits for a lock another restic holds on the repository (`--retry-lock`). */
  lockWaitSeconds?: number;
  now?: () => number;
  /**
   * A running job's stderr has said for UNREACHABLE_ALERT_MS that restic cannot reach its
   * repository and is retrying (restic keeps at it for up to 15 minutes before the job fails):
   * told once per job, with the line.
   * Never fails the report.
   */
  onRepositoryUnreachable?: (
    job: { id: string; hostId: string; repositoryId: string },
    line: string,
  ) => Promise<void>;
  /**
   * Other API replicas on the same database (PostgreSQL): told when a job waits for an agent
   * that is not connected here, or a cancel is for one. Absent with one process.
   */
  replicas?: {
    dispatch(hostId: string): void;
    cancel(hostId: string, jobId: string): void;
  };
  /** Runs after a result is recorded (repository set-up, health, check); never fails the report. */
  afterFinish?: (
    job: {
      id: string;
      kind: string;
      hostId: string;
      repositoryId: string | null;
      backupSetId: string | null;
      scheduleId: string | null;
      createdAt: Date;
      startedAt: Date | null;
    },
    report: TJobFinished,
  ) => Promise<void>;
}

/** A job row as its command needs it. */
interface StoredJob {
  id: string;
  hostId: string;
  endpoint: string;
  scheduleId: string | null;
  repositoryId: string | null;
  params: string;
}

type CommandRepository = RoutableRepository & RoutableRow;

export class JobService {
  private readonly db: Db;
  /** The job path's own statements (records.ts); everything else goes through Prisma. */
  private readonly records: JobRecords;
  private readonly now: () => number;
  /** Jobs between creation and end: hot paths read them here, not from the database. */
  private readonly active = new ActiveJobs();
  private loaded: Promise<void> | undefined;
  /** Exclusive jobs held back for a running job on their repository (told once in their log). */
  private readonly heldBack = new Set<string>();

  constructor(private readonly options: JobServiceOptions) {
    this.db = options.db;
    this.records = new JobRecords(directStatements(options.db));
    this.now = options.now ?? Date.now;
  }

  /**
   * The jobs that had not ended when this process started are loaded once, on first use, so a
   * connect knows without a query whether its host has anything waiting. Jobs made elsewhere
   * (runs an agent reports from its own schedule) are tracked when first heard of.
   */
  private ready(): Promise<void> {
    this.loaded ??= this.db.job
      .findMany({ where: { state: { in: [...ACTIVE_STATES] } }, select: ACTIVE_JOB_FIELDS })
      .then((rows) => {
        for (const row of rows) {
          if (!this.active.get(row.id)) this.active.track({ ...row, state: row.state as JobState });
        }
      })
      .catch((error: unknown) => {
        this.loaded = undefined;
        throw error;
      });
    return this.loaded;
  }

  // ── Creating, cancelling, retrying ────────────────────────────────────────────────

  async create(
    input: { hostId: string; repositoryId?: string | undefined; params: unknown },
    creator: JobCreator,
    meta?: RequestMeta,
    options: {
      retryOfId?: string;
      backupSetId?: string;
      scheduleId?: string;
      setsUpRepository?: boolean;
      /** Made by the kind's own action (JOB_KIND_TRAITS.ownAction), which checked the host. */
      ownAction?: boolean;
    } = {},
  ) {
    await this.ready();
    const spec = parseJobParams(input.params);
    const traits = JOB_KIND_TRAITS[spec.kind];
    if (traits.ownAction && !options.ownAction) {
      throw new AppError("BAD_REQUEST", `A ${spec.kind} job is started with ${traits.ownAction}`);
    }
    const host = await this.liveHost(input.hostId);
    if (!host) throw new AppError("NOT_FOUND", "No such host");
    const protocol = host.protocolVersion ?? 1;
    if (protocol < traits.minProtocol) {
      throw new AppError(
        "BAD_REQUEST",
        `${host.name}'s agent speaks protocol ${protocol}; ${spec.kind} needs ${traits.minProtocol} or newer: reinstall the agent with the install command`,
      );
    }
    let endpoint: Endpoint = "backup";
    let repository: CommandRepository | null = null;
    if (needsRepository(spec.kind)) {
      if (!input.repositoryId) {
        throw new AppError("BAD_REQUEST", `A ${spec.kind} job needs a repository`);
      }
      repository = await this.routableRepository(input.repositoryId, host.id, spec.kind);
      if (!repository) throw new AppError("NOT_FOUND", "No such repository");
      if (repository.status === "pending" && !options.setsUpRepository) {
        throw new AppError("BAD_REQUEST", `"${repository.name}" is still being set up`);
      }
      endpoint = chooseEndpoint(repository, host.id, spec.kind);
    }
    // Sent in the same breath as it is made when its agent is here, nothing older of the host
    // waits, and it takes no exclusive lock (that needs the holders looked up: dispatchQueued).
    const sendNow =
      this.options.registry.get(host.id) !== undefined &&
      !this.active.hasQueued(host.id) &&
      JOB_KIND_TRAITS[spec.kind].lock !== "exclusive";
    const retryOfId = options.retryOfId;
    const createdAt = new Date();
    const job: Job = {
      id: newId(),
      hostId: host.id,
      repositoryId: repository?.id ?? null,
      kind: spec.kind,
      endpoint,
      backupSetId: options.backupSetId ?? null,
      scheduleId: options.scheduleId ?? null,
      scheduledFor: null,
      params: JSON.stringify(spec),
      state: sendNow ? "dispatched" : "queued",
      cancelRequested: false,
      createdAt,
      dispatchedAt: sendNow ? new Date(this.now()) : null,
      startedAt: null,
      finishedAt: null,
      createdByType: retryOfId ? "retry" : creator.type,
      createdById: "userId" in creator ? creator.userId : null,
      createdByName: "username" in creator ? creator.username : creator.name,
      retryOfId: retryOfId ?? null,
      exitCode: null,
      error: null,
      result: null,
      progress: null,
      logLines: 0,
    };
    // Jobs the server starts itself (health refreshes) are not actions anyone took.
    await this.records.insert(
      job,
      creator.type === "system"
        ? undefined
        : {
            action: "job.started",
            actor: creator,
            target: { type: "job", id: job.id, name: `${spec.kind} on ${host.name}` },
            ip: meta?.ip,
            details: { kind: spec.kind, host: host.name, endpoint, retryOf: retryOfId },
          },
    );
    this.active.track({ ...job, state: job.state as JobState });
    this.publishState(job.id, "queued", null, null);
    if (!sendNow) {
      await this.dispatchQueued(host.id);
      // Its agent may be connected to another replica, which sends it (see dispatchFromElsewhere).
      if (!this.options.registry.get(host.id)) this.options.replicas?.dispatch(host.id);
      return job;
    }
    this.publishState(job.id, "dispatched", null, null);
    let command: TAgentCommand;
    try {
      command = this.commandFor(job, spec, repository);
    } catch (error) {
      await this.fail(job.id, `could not prepare the job: ${(error as Error).message}`);
      return job;
    }
    // Gone meanwhile: sent when it connects again (a dispatched job is re-sent until started).
    this.options.registry.get(host.id)?.send(command);
    return job;
  }

  /**
   * The host a job is for, if it exists and is not revoked. A connected agent's host is known
   * without a read: it authenticated, and a revocation or deletion ends it in the registry.
   */
  private async liveHost(
    hostId: string,
  ): Promise<{ id: string; name: string; protocolVersion: number | null } | undefined> {
    const connection = this.options.registry.get(hostId);
    if (connection?.hostName && !this.options.registry.isEnded(hostId)) {
      return {
        id: hostId,
        name: connection.hostName,
        protocolVersion: connection.protocolVersion ?? null,
      };
    }
    // Away, or connected to another replica: its protocol as its last hello recorded it.
    const row = await this.db.host.findUnique({
      where: { id: hostId },
      select: { id: true, name: true, revokedAt: true, protocolVersion: true },
    });
    return row && !row.revokedAt ? row : undefined;
  }

  async retry(jobId: string, actor: Actor, meta: RequestMeta) {
    const job = found(await this.db.job.findUnique({ where: { id: jobId } }), "No such job");
    if (!TERMINAL_STATES.includes(job.state as JobState) || job.state === "succeeded") {
      throw new AppError(
        "BAD_REQUEST",
        `Only a failed, cancelled or lost job can be retried (this one is ${job.state})`,
      );
    }
    return this.create(
      {
        hostId: job.hostId,
        repositoryId: job.repositoryId ?? undefined,
        params: JSON.parse(job.params) as unknown,
      },
      actor,
      meta,
      { retryOfId: job.id, ...(job.backupSetId ? { backupSetId: job.backupSetId } : {}) },
    );
  }

  async cancel(jobId: string, actor: Actor, meta: RequestMeta) {
    await this.ready();
    const job = found(await this.db.job.findUnique({ where: { id: jobId } }), "No such job");
    if (TERMINAL_STATES.includes(job.state as JobState)) {
      throw new AppError("BAD_REQUEST", `The job already ended (${job.state})`);
    }
    await recordAudit(this.db, {
      action: "job.cancelled",
      actor,
      target: { type: "job", id: job.id, name: job.kind },
      ip: meta.ip,
    });
    if (job.state === "queued") {
      // Not sent yet: cancel it here, unless a dispatch got to it first.
      const { count } = await this.db.job.updateMany({
        where: { id: job.id, state: "queued" },
        data: {
          state: "cancelled",
          cancelRequested: true,
          error: "cancelled before it started",
          finishedAt: new Date(this.now()),
        },
      });
      if (count === 1) {
        this.active.drop(job.id);
        this.publishState(job.id, "cancelled", null, "cancelled before it started");
        return;
      }
    }
    await this.db.job.update({ where: { id: job.id }, data: { cancelRequested: true } });
    const tracked = this.active.get(job.id);
    if (tracked) {
      tracked.cancelRequested = true;
      this.active.update(tracked); // told again on every connect until it ends
    }
    const connection = this.options.registry.get(job.hostId);
    if (connection) connection.send({ type: "cancel", jobId: job.id });
    else this.options.replicas?.cancel(job.hostId, job.id);
  }

  // ── Other replicas ────────────────────────────────────────────────────────────────

  /**
   * Another replica made or queued a job for a host whose agent is connected here (or a pass
   * over the queue found one): its waiting jobs are read from the database, the source of
   * truth, and sent.
   */
  async dispatchFromElsewhere(hostId: string): Promise<void> {
    await this.ready();
    if (!this.options.registry.get(hostId)) return;
    const rows = await this.db.job.findMany({
      where: { hostId, state: { in: ["queued", "dispatched"] } },
      select: ACTIVE_JOB_FIELDS,
    });
    for (const row of rows) {
      if (!this.active.get(row.id)) this.active.track({ ...row, state: row.state as JobState });
    }
    await this.dispatchQueued(hostId);
  }

  /** A cancel asked through another replica, for a job whose agent is connected here. */
  async cancelFromElsewhere(hostId: string, jobId: string): Promise<void> {
    const connection = this.options.registry.get(hostId);
    if (!connection) return;
    const job = await this.ownedJob(hostId, jobId).catch(() => undefined);
    if (!job || TERMINAL_STATES.includes(job.state)) return;
    job.cancelRequested = true;
    this.active.update(job);
    connection.send({ type: "cancel", jobId });
  }

  /**
   * A job changed state on another replica. What this one keeps of it follows; an ended job
   * is forgotten and releases its repository's lock for exclusive jobs waiting here.
   */
  async stateFromElsewhere(jobId: string, state: JobState): Promise<void> {
    const tracked = this.active.get(jobId);
    if (!tracked) return;
    if (TERMINAL_STATES.includes(state)) {
      this.active.drop(jobId);
      await this.releaseLock(tracked);
      return;
    }
    tracked.state = state;
    this.active.update(tracked);
  }

  /** Hosts connected here with a job queued in the database: what a lost message would delay. */
  async dispatchQueuedHere(): Promise<void> {
    // A range of the (state, createdAt, id) index: queued jobs are few, whatever the history.
    const rows = await this.db.job.findMany({
      where: { state: "queued" },
      select: { hostId: true },
    });
    for (const hostId of new Set(rows.map((row) => row.hostId))) {
      if (this.options.registry.get(hostId)) await this.dispatchFromElsewhere(hostId);
    }
  }

  // ── Dispatching ───────────────────────────────────────────────────────────────────

  /** Sends every queued job of a connected host, and re-sends ones not yet acknowledged. */
  async dispatchQueued(hostId: string): Promise<void> {
    await this.ready();
    const connection = this.options.registry.get(hostId);
    // Most connects: nothing waits for this host, and no query is made.
    if (!connection || !this.active.hasPending(hostId)) return;
    const jobs = await this.records.pendingOf(hostId);
    const repositories = new Map<string, CommandRepository | null>();
    for (const job of jobs) {
      if (job.state === "queued" && (await this.holdBack(job))) continue;
      let command: TAgentCommand;
      try {
        command = await this.commandForStored(job, repositories);
      } catch (error) {
        await this.fail(job.id, `could not prepare the job: ${(error as Error).message}`);
        continue;
      }
      if (job.state === "queued") {
        // Cancelled or sent meanwhile: not again.
        if (!(await this.records.markDispatched(job.id, new Date(this.now())))) continue;
        this.heldBack.delete(job.id);
        const tracked = this.active.get(job.id);
        if (tracked) {
          tracked.state = "dispatched";
          this.active.update(tracked);
        }
        this.publishState(job.id, "dispatched", null, null);
      }
      connection.send(command);
      if (job.cancelRequested) connection.send({ type: "cancel", jobId: job.id });
    }
    // A cancel asked for while the agent was away.
    for (const job of this.active.pendingOf(hostId)) {
      if (job.state === "running") connection.send({ type: "cancel", jobId: job.id });
    }
  }

  /**
   * An exclusive job (check, forget, prune, unlock) is not sent while another job this server
   * knows of locks the same repository: restic would fail it at once, or make it wait with
   * nothing to show. It is sent when that job ends (see releaseLock).
   */
  private async holdBack(job: {
    id: string;
    kind: string;
    repositoryId: string | null;
  }): Promise<boolean> {
    if (!job.repositoryId || JOB_KIND_TRAITS[job.kind as TJobKind]?.lock !== "exclusive") {
      return false;
    }
    const holder = await this.db.job.findFirst({
      where: {
        repositoryId: job.repositoryId,
        id: { not: job.id },
        state: { in: ["dispatched", "running"] },
        kind: { in: LOCKING_KINDS },
      },
      select: { kind: true, host: { select: { name: true } } },
    });
    if (!holder) return false;
    if (!this.heldBack.has(job.id)) {
      this.heldBack.add(job.id);
      const line = {
        at: new Date(this.now()),
        stream: "agent" as const,
        line: `waiting for the ${holder.kind} on ${holder.host.name} to finish: it locks this repository`,
      };
      await this.appendLog(job.id, [line]);
      this.options.bus.publish(job.id, { type: "log", lines: [line] });
    }
    return true;
  }

  /** A job that locked its repository ended: exclusive jobs waiting for it may go now. */
  private async releaseLock(ended: { kind: string; repositoryId: string | null }): Promise<void> {
    if (!ended.repositoryId || JOB_KIND_TRAITS[ended.kind as TJobKind]?.lock === "none") return;
    for (const hostId of this.active.hostsQueuedOn(ended.repositoryId)) {
      await this.dispatchQueued(hostId);
    }
  }

  /**
   * A repository as chooseEndpoint needs it; its maintenance host's name (for the refusal)
   * is read only when the job would be refused for running elsewhere.
   */
  private async routableRepository(
    id: string,
    hostId: string,
    kind: TJobKind,
  ): Promise<CommandRepository | null> {
    const row = await this.records.repository(id);
    if (!row) return null;
    if (!row.maintenanceHostId || row.maintenanceHostId === hostId || !isMaintenanceKind(kind)) {
      return row;
    }
    const maintenanceHost = await this.db.host.findUnique({
      where: { id: row.maintenanceHostId },
      select: { name: true },
    });
    return { ...row, maintenanceHost };
  }

  /** The command for a stored job; its repository is read once per dispatch pass. */
  private async commandForStored(
    job: PendingJob,
    repositories: Map<string, CommandRepository | null>,
  ): Promise<TAgentCommand> {
    const params = parseJobParams(JSON.parse(job.params));
    if (!job.repositoryId) return this.commandFor(job, params, null);
    let row = repositories.get(job.repositoryId);
    if (row === undefined) {
      row = await this.routableRepository(job.repositoryId, job.hostId, params.kind);
      repositories.set(job.repositoryId, row);
    }
    if (!row) throw new Error("its repository was deleted");
    return this.commandFor(job, params, row);
  }

  private commandFor(
    job: StoredJob,
    params: TJobParams,
    row: CommandRepository | null,
  ): TAgentCommand {
    const scheduleId = job.scheduleId ? { scheduleId: job.scheduleId } : {};
    if (!row) {
      return { type: "job", job: { id: job.id, params, repository: null, ...scheduleId } };
    }
    // Checked again at dispatch: the maintenance host may have changed since the job was made.
    const endpoint = chooseEndpoint(row, job.hostId, params.kind);
    if (endpoint !== job.endpoint) throw new Error(`it was made for the ${job.endpoint} endpoint`);
    const repository = repositoryAccess(this.options.keyring, row, endpoint);
    // Setting up a repository whose backend does not answer would otherwise retry for minutes.
    const setsUp = row.status === "pending" && JOB_KIND_TRAITS[params.kind].setsUpRepository;
    const timeoutSeconds = setsUp ? this.options.setupTimeoutSeconds : undefined;
    const lockWaitSeconds =
      JOB_KIND_TRAITS[params.kind].lock === "none" ? undefined : this.options.lockWaitSeconds;
    return {
      type: "job",
      job: {
        id: job.id,
        params,
        repository,
        ...(timeoutSeconds ? { timeoutSeconds } : {}),
        ...(lockWaitSeconds ? { lockWaitSeconds } : {}),
        ...scheduleId,
      },
    };
  }

  // ── What agents report ──────────────────────────────────────────────────────────

  /**
   * The job an agent reports on, from memory; a job this process has not met yet (it started
   * before a restart, or an agent's own schedule made it) is read once and kept until it ends.
   * Only the job's own host may report on it.
   */
  private async ownedJob(hostId: string, jobId: string): Promise<ActiveJob> {
    await this.ready();
    let job = this.active.get(jobId);
    if (!job) {
      const row = await this.db.job.findUnique({ where: { id: jobId }, select: ACTIVE_JOB_FIELDS });
      if (row) {
        const loaded = { ...row, state: row.state as JobState };
        job = ACTIVE_STATES.includes(loaded.state)
          ? this.active.track(loaded)
          : { ...loaded, progressStoredAt: 0 };
      }
    }
    if (!job || job.hostId !== hostId) {
      throw new AppError("FORBIDDEN", `Job ${jobId} does not belong to this host`);
    }
    return job;
  }

  async started(hostId: string, input: { jobId: string; startedAt: Date }) {
    const job = await this.ownedJob(hostId, input.jobId);
    if (job.state !== "queued" && job.state !== "dispatched") return { accepted: false };
    // The server's clock, so start times compare with connection times whatever the agent's says.
    const startedAt = new Date(this.now());
    const accepted = await this.records.markStarted(job.id, startedAt);
    if (accepted) {
      job.state = "running";
      job.startedAt = startedAt;
      this.active.update(job);
      this.publishState(job.id, "running", null, null);
    }
    return { accepted };
  }

  async progress(hostId: string, input: { jobId: string; progress: TResticProgress }) {
    const job = await this.ownedJob(hostId, input.jobId);
    if (TERMINAL_STATES.includes(job.state)) return { accepted: false };
    this.options.bus.publish(job.id, { type: "progress", progress: input.progress });
    // Browsers get every sample live; the database keeps the latest, at most once a second.
    const now = this.now();
    if (now - job.progressStoredAt >= PROGRESS_STORE_INTERVAL_MS) {
      job.progressStoredAt = now;
      await this.records.storeProgress(job.id, JSON.stringify(input.progress));
    }
    return { accepted: true };
  }

  async log(hostId: string, input: { jobId: string; lines: TLogLine[] }) {
    const job = await this.ownedJob(hostId, input.jobId);
    // A finished job's log is closed; a lost one may still hear from its agent.
    if (job.state !== "lost" && TERMINAL_STATES.includes(job.state)) {
      return { accepted: false };
    }
    await this.appendLog(job.id, input.lines);
    this.options.bus.publish(job.id, { type: "log", lines: input.lines });
    const retrying = input.lines.find(
      (line) => line.stream === "stderr" && BACKEND_RETRY.test(line.line),
    );
    if (retrying) await this.noteRetrying(job, retrying.line);
    return { accepted: true };
  }

  /** restic keeps retrying the repository: told once it has gone on for a while (not a blip). */
  private async noteRetrying(job: ActiveJob, line: string) {
    job.unreachableSince ??= this.now();
    const retryingFor = this.now() - job.unreachableSince;
    if (retryingFor >= UNREACHABLE_ALERT_MS && job.repositoryId && !job.toldUnreachable) {
      job.toldUnreachable = true;
      try {
        await this.options.onRepositoryUnreachable?.(
          { id: job.id, hostId: job.hostId, repositoryId: job.repositoryId },
          line,
        );
      } catch (error) {
        this.options.logger.error({
          event: "job.unreachable_hook_failed",
          jobId: job.id,
          err: error,
        });
      }
    }
  }

  private appendLog(jobId: string, lines: TLogLine[]) {
    return this.records.appendLog(jobId, lines);
  }

  async finished(hostId: string, input: TJobFinished) {
    const job = await this.ownedJob(hostId, input.jobId);
    // Delivered twice (at-least-once): the first one counted. A job marked lost while its
    // agent was away still takes the real result when the agent brings it back.
    if (job.state !== "lost" && TERMINAL_STATES.includes(job.state)) {
      return { accepted: false };
    }
    const recorded = await this.records.finish({ ...job, hostId }, input);
    if (!recorded) return { accepted: false };
    job.state = input.outcome;
    this.active.drop(job.id);
    try {
      await this.options.afterFinish?.(job, input);
    } catch (error) {
      this.options.logger.error({ event: "job.after_finish_failed", jobId: job.id, err: error });
    }
    // Published last, so a watcher that reloads the job sees what finishing it wrote too.
    this.publishState(job.id, input.outcome, input.exitCode, input.error);
    await this.releaseLock(job);
    return { accepted: true };
  }

  /**
   * After a (re)connect: records results the agent held while away; a job the server thinks
   * is running but the agent neither runs nor finished did not survive, and is marked lost.
   */
  async reconcile(hostId: string, report: TAgentReconcile) {
    let recorded = 0;
    for (const result of report.finished) {
      try {
        if ((await this.finished(hostId, result)).accepted) recorded += 1;
      } catch (error) {
        // Not ours: ignore, never disturb others.
        if (error instanceof AppError && error.code === "FORBIDDEN") continue;
        throw error;
      }
    }
    const known = new Set([...report.running, ...report.finished.map((f) => f.jobId)]);
    // Only jobs started before this connection: one started since is known for certain,
    // even if its start overtook this report on the way in.
    const connectedAt = this.options.registry.get(hostId)?.connectedAt ?? new Date(this.now());
    let lost = 0;
    for (const jobId of await this.records.runningBefore(hostId, connectedAt)) {
      if (known.has(jobId)) continue;
      await this.markLost(
        jobId,
        "the agent no longer knows this job (it restarted while the job ran)",
      );
      lost += 1;
    }
    return { recorded, lost };
  }

  /** Marks jobs lost whose host has been away longer than lostAfterMs. */
  /**
   * The id of a job of this kind on the repository that has not ended (other than `except`),
   * from memory: every job that has not ended is tracked, so this costs no query.
   */
  async activeOn(
    repositoryId: string,
    kind: TJobKind,
    except?: string,
  ): Promise<{ id: string; createdAt: Date } | undefined> {
    await this.ready();
    const job = this.active.findOn(repositoryId, kind, except);
    return job && { id: job.id, createdAt: job.createdAt };
  }

  /** A deleted host's jobs went with it: nothing of them stays in memory. */
  forgetHost(hostId: string): void {
    this.active.forgetHost(hostId);
  }

  async sweepLost(): Promise<number> {
    await this.ready();
    const active = await this.db.job.findMany({
      where: { state: { in: ["dispatched", "running"] } },
      select: { id: true, hostId: true },
    });
    let lost = 0;
    for (const job of active) {
      if (this.options.registry.offlineForMs(job.hostId) > this.options.lostAfterMs) {
        await this.markLost(job.id, "the host went away and did not come back in time");
        lost += 1;
      }
    }
    return lost;
  }

  private async markLost(jobId: string, reason: string) {
    const { count } = await this.db.job.updateMany({
      where: { id: jobId, state: { in: ["queued", "dispatched", "running"] } },
      data: { state: "lost", error: reason, finishedAt: new Date(this.now()) },
    });
    if (count === 1) {
      this.options.logger.warn({ event: "job.lost", jobId, reason }, "job lost");
      await this.ended(jobId, "lost", reason);
    }
  }

  private async fail(jobId: string, reason: string) {
    const { count } = await this.db.job.updateMany({
      where: { id: jobId, state: { in: ["queued", "dispatched"] } },
      data: { state: "failed", error: reason, finishedAt: new Date(this.now()) },
    });
    if (count === 1) await this.ended(jobId, "failed", reason);
  }

  /** Marked lost or failed by the server: forgotten, told, and its lock released. */
  private async ended(jobId: string, state: JobState, reason: string) {
    const job =
      this.active.get(jobId) ??
      (await this.db.job.findUnique({
        where: { id: jobId },
        select: { kind: true, repositoryId: true },
      }));
    this.active.drop(jobId);
    this.publishState(jobId, state, null, reason);
    if (job) await this.releaseLock(job);
  }

  private publishState(
    jobId: string,
    state: JobState,
    exitCode: number | null,
    error: string | null,
  ) {
    this.options.bus.publish(jobId, {
      type: "state",
      state,
      exitCode,
      error,
      at: new Date(this.now()),
    });
  }
}
