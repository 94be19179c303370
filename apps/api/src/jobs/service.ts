import {
  JOB_KIND_TRAITS,
  LOCKING_KINDS,
  type TAgentCommand,
  type TAgentReconcile,
  type TJobFinished,
  type TJobKind,
  type TLogLine,
  type TResticProgress,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { Logger } from "../logger.js";
import { repositoryAccess } from "../repositories/access.js";
import type { Keyring } from "../secrets/keyring.js";
import { type JobEventBus, type JobState, TERMINAL_STATES } from "./eventBus.js";
import { chooseEndpoint, type Endpoint } from "./routing.js";
import { needsRepository, parseJobParams } from "./spec.js";

/** Who asked for a job: a person or token, a schedule, or a retry of an earlier job. */
export type JobCreator =
  | Actor
  | { type: "schedule"; name: string }
  | { type: "system"; name: string };

/** Log lines kept per job: the first HEAD and the most recent (MAX - HEAD). */
const LOG_HEAD = 200;
const LOG_MAX = 2000;
const PROGRESS_STORE_INTERVAL_MS = 1000;

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
  /** Runs after a result is recorded (repository set-up, health, check); never fails the report. */
  afterFinish?: (
    job: {
      id: string;
      kind: string;
      hostId: string;
      repositoryId: string | null;
      backupSetId: string | null;
      scheduleId: string | null;
    },
    report: TJobFinished,
  ) => Promise<void>;
}

export class JobService {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly progressStoredAt = new Map<string, number>();
  /** Exclusive jobs held back for a running job on their repository (told once in their log). */
  private readonly heldBack = new Set<string>();

  constructor(private readonly options: JobServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
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
    } = {},
  ) {
    const spec = parseJobParams(input.params);
    const host = await this.db.host.findUnique({ where: { id: input.hostId } });
    if (!host || host.revokedAt) throw new AppError("NOT_FOUND", "No such host");
    let endpoint: Endpoint = "backup";
    if (needsRepository(spec.kind)) {
      if (!input.repositoryId) {
        throw new AppError("BAD_REQUEST", `A ${spec.kind} job needs a repository`);
      }
      const repository = await this.db.repository.findUnique({
        where: { id: input.repositoryId },
        include: { maintenanceHost: { select: { name: true } } },
      });
      if (!repository) throw new AppError("NOT_FOUND", "No such repository");
      if (repository.status === "pending" && !options.setsUpRepository) {
        throw new AppError("BAD_REQUEST", `"${repository.name}" is still being set up`);
      }
      endpoint = chooseEndpoint(repository, host.id, spec.kind);
    }
    const retryOfId = options.retryOfId;
    const job = await this.db.$transaction(async (tx) => {
      const created = await tx.job.create({
        data: {
          hostId: host.id,
          repositoryId: needsRepository(spec.kind) ? (input.repositoryId ?? null) : null,
          kind: spec.kind,
          endpoint,
          backupSetId: options.backupSetId ?? null,
          scheduleId: options.scheduleId ?? null,
          params: JSON.stringify(spec),
          state: "queued",
          createdByType: retryOfId ? "retry" : creator.type,
          createdById: "userId" in creator ? creator.userId : null,
          createdByName: "username" in creator ? creator.username : creator.name,
          retryOfId: retryOfId ?? null,
        },
      });
      // Jobs the server starts itself (health refreshes) are not actions anyone took.
      if (creator.type !== "system") {
        await recordAudit(tx, {
          action: "job.started",
          actor: creator,
          target: { type: "job", id: created.id, name: `${spec.kind} on ${host.name}` },
          ip: meta?.ip,
          details: { kind: spec.kind, host: host.name, endpoint, retryOf: retryOfId },
        });
      }
      return created;
    });
    this.publishState(job.id, "queued", null, null);
    await this.dispatchQueued(host.id);
    return job;
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
        this.publishState(job.id, "cancelled", null, "cancelled before it started");
        return;
      }
    }
    await this.db.job.update({ where: { id: job.id }, data: { cancelRequested: true } });
    this.options.registry.get(job.hostId)?.send({ type: "cancel", jobId: job.id });
  }

  // ── Dispatching ───────────────────────────────────────────────────────────────────

  /** Sends every queued job of a connected host, and re-sends ones not yet acknowledged. */
  async dispatchQueued(hostId: string): Promise<void> {
    const connection = this.options.registry.get(hostId);
    if (!connection) return;
    const jobs = await this.db.job.findMany({
      where: { hostId, state: { in: ["queued", "dispatched"] } },
      orderBy: { createdAt: "asc" },
    });
    for (const job of jobs) {
      if (job.state === "queued" && (await this.holdBack(job))) continue;
      let command: TAgentCommand;
      try {
        command = await this.commandFor(job);
      } catch (error) {
        await this.fail(job.id, `could not prepare the job: ${(error as Error).message}`);
        continue;
      }
      if (job.state === "queued") {
        const { count } = await this.db.job.updateMany({
          where: { id: job.id, state: "queued" },
          data: { state: "dispatched", dispatchedAt: new Date(this.now()) },
        });
        if (count === 0) continue; // cancelled or sent meanwhile
        this.heldBack.delete(job.id);
        this.publishState(job.id, "dispatched", null, null);
      }
      connection.send(command);
      if (job.cancelRequested) connection.send({ type: "cancel", jobId: job.id });
    }
    // A cancel asked for while the agent was away.
    const cancelling = await this.db.job.findMany({
      where: { hostId, state: "running", cancelRequested: true },
      select: { id: true },
    });
    for (const job of cancelling) connection.send({ type: "cancel", jobId: job.id });
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
  private async releaseLock(jobId: string): Promise<void> {
    const ended = await this.db.job.findUnique({
      where: { id: jobId },
      select: { kind: true, repositoryId: true },
    });
    if (!ended?.repositoryId || JOB_KIND_TRAITS[ended.kind as TJobKind]?.lock === "none") return;
    const waiting = await this.db.job.findMany({
      where: { repositoryId: ended.repositoryId, state: "queued" },
      select: { hostId: true },
      distinct: ["hostId"],
    });
    for (const { hostId } of waiting) await this.dispatchQueued(hostId);
  }

  private async commandFor(job: {
    id: string;
    hostId: string;
    kind: string;
    endpoint: string;
    params: string;
    repositoryId: string | null;
    scheduleId: string | null;
  }): Promise<TAgentCommand> {
    const params = parseJobParams(JSON.parse(job.params));
    const scheduleId = job.scheduleId ? { scheduleId: job.scheduleId } : {};
    if (!job.repositoryId) {
      return { type: "job", job: { id: job.id, params, repository: null, ...scheduleId } };
    }
    const row = await this.db.repository.findUnique({
      where: { id: job.repositoryId },
      include: { maintenanceHost: { select: { name: true } } },
    });
    if (!row) throw new Error("its repository was deleted");
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

  private async ownedJob(hostId: string, jobId: string) {
    const job = await this.db.job.findUnique({ where: { id: jobId } });
    if (!job || job.hostId !== hostId) {
      throw new AppError("FORBIDDEN", `Job ${jobId} does not belong to this host`);
    }
    return job;
  }

  async started(hostId: string, input: { jobId: string; startedAt: Date }) {
    const job = await this.ownedJob(hostId, input.jobId);
    const { count } = await this.db.job.updateMany({
      where: { id: job.id, state: { in: ["queued", "dispatched"] } },
      // The server's clock, so start times compare with connection times whatever the agent's says.
      data: { state: "running", startedAt: new Date(this.now()) },
    });
    if (count === 1) this.publishState(job.id, "running", null, null);
    return { accepted: count === 1 };
  }

  async progress(hostId: string, input: { jobId: string; progress: TResticProgress }) {
    const job = await this.ownedJob(hostId, input.jobId);
    if (TERMINAL_STATES.includes(job.state as JobState)) return { accepted: false };
    this.options.bus.publish(job.id, { type: "progress", progress: input.progress });
    // Browsers get every sample live; the database keeps the latest, at most once a second.
    const now = this.now();
    if (now - (this.progressStoredAt.get(job.id) ?? 0) >= PROGRESS_STORE_INTERVAL_MS) {
      this.progressStoredAt.set(job.id, now);
      await this.db.job.update({
        where: { id: job.id },
        data: { progress: JSON.stringify(input.progress) },
      });
    }
    return { accepted: true };
  }

  async log(hostId: string, input: { jobId: string; lines: TLogLine[] }) {
    const job = await this.ownedJob(hostId, input.jobId);
    // A finished job's log is closed; a lost one may still hear from its agent.
    if (job.state !== "lost" && TERMINAL_STATES.includes(job.state as JobState)) {
      return { accepted: false };
    }
    await this.appendLog(job.id, input.lines);
    this.options.bus.publish(job.id, { type: "log", lines: input.lines });
    return { accepted: true };
  }

  private async appendLog(jobId: string, lines: TLogLine[]) {
    await this.db.$transaction(async (tx) => {
      await tx.jobLog.createMany({
        data: lines.map((l) => ({ jobId, at: l.at, stream: l.stream, line: l.line })),
      });
      const job = await tx.job.update({
        where: { id: jobId },
        data: { logLines: { increment: lines.length } },
        select: { logLines: true },
      });
      const kept = await tx.jobLog.count({ where: { jobId } });
      if (kept > LOG_MAX) {
        // Keep the head (how it started) and the tail (how it ended); drop the middle.
        const middle = await tx.jobLog.findMany({
          where: { jobId },
          orderBy: { id: "asc" },
          skip: LOG_HEAD,
          take: kept - LOG_MAX,
          select: { id: true },
        });
        await tx.jobLog.deleteMany({ where: { id: { in: middle.map((m) => m.id) } } });
      }
      return job;
    });
  }

  async finished(hostId: string, input: TJobFinished) {
    const job = await this.ownedJob(hostId, input.jobId);
    // Delivered twice (at-least-once): the first one counted. A job marked lost while its
    // agent was away still takes the real result when the agent brings it back.
    if (job.state !== "lost" && TERMINAL_STATES.includes(job.state as JobState)) {
      return { accepted: false };
    }
    const finishedAt = input.finishedAt;
    await this.db.$transaction(async (tx) => {
      await tx.job.update({
        where: { id: job.id },
        data: {
          state: input.outcome,
          exitCode: input.exitCode,
          error: input.error,
          result: input.result === undefined ? null : JSON.stringify(input.result),
          finishedAt,
          startedAt: job.startedAt ?? finishedAt,
        },
      });
      if (job.kind === "backup") {
        await tx.host.update({
          where: { id: hostId },
          data: {
            lastBackupAt: finishedAt,
            lastBackupState: input.outcome,
            lastBackupJobId: job.id,
          },
        });
      }
    });
    this.progressStoredAt.delete(job.id);
    try {
      await this.options.afterFinish?.(job, input);
    } catch (error) {
      this.options.logger.error({ event: "job.after_finish_failed", jobId: job.id, err: error });
    }
    // Published last, so a watcher that reloads the job sees what finishing it wrote too.
    this.publishState(job.id, input.outcome, input.exitCode, input.error);
    await this.releaseLock(job.id);
    return { accepted: true };
  }

  /**
   * After a (re)connect: records results the agent held while away; a job the server thinks
   * is running but the agent neither runs nor finished did not survive, and is marked lost.
   */
  async reconcile(hostId: string, report: TAgentReconcile) {
    let recorded = 0;
    for (const result of report.finished) {
      const job = await this.db.job.findUnique({ where: { id: result.jobId } });
      if (!job || job.hostId !== hostId) continue; // not ours: ignore, never disturb others
      if ((await this.finished(hostId, result)).accepted) recorded += 1;
    }
    const known = new Set([...report.running, ...report.finished.map((f) => f.jobId)]);
    // Only jobs started before this connection: one started since is known for certain,
    // even if its start overtook this report on the way in.
    const connectedAt = this.options.registry.get(hostId)?.connectedAt ?? new Date(this.now());
    const running = await this.db.job.findMany({
      where: { hostId, state: "running", startedAt: { lt: connectedAt } },
    });
    let lost = 0;
    for (const job of running) {
      if (known.has(job.id)) continue;
      await this.markLost(
        job.id,
        "the agent no longer knows this job (it restarted while the job ran)",
      );
      lost += 1;
    }
    return { recorded, lost };
  }

  /** Marks jobs lost whose host has been away longer than lostAfterMs. */
  async sweepLost(): Promise<number> {
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
      this.publishState(jobId, "lost", null, reason);
      await this.releaseLock(jobId);
    }
  }

  private async fail(jobId: string, reason: string) {
    const { count } = await this.db.job.updateMany({
      where: { id: jobId, state: { in: ["queued", "dispatched"] } },
      data: { state: "failed", error: reason, finishedAt: new Date(this.now()) },
    });
    if (count === 1) {
      this.publishState(jobId, "failed", null, reason);
      await this.releaseLock(jobId);
    }
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
