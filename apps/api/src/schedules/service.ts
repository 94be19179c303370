import { EventEmitter } from "node:events";
import {
  backupSetTags,
  JOB_STATES,
  narrow,
  retentionHasRules,
  SCHEDULES_PROTOCOL,
  SET_SCHEDULE_KINDS,
  setTag,
  type TJobParams,
  type TRetentionPolicy,
  type TScheduleCreate,
  type TScheduleDefinition,
  type TScheduleKind,
  type TScheduleOptions,
  type TScheduleReport,
  type TScheduleTiming,
  ZBackupSetOptions,
  ZRetentionPolicy,
} from "@restic-manager/contracts";
import { describeTiming, nextRuns } from "@restic-manager/schedule";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, directStatements } from "../db.js";
import { drillHost, drillParams } from "../drills/service.js";
import { AppError, found } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { JobEventBus } from "../jobs/eventBus.js";
import { chooseEndpoint } from "../jobs/routing.js";
import type { JobService } from "../jobs/service.js";
import { parseJobParams } from "../jobs/spec.js";
import type { Logger } from "../logger.js";
import { afterKeyset, decodeCursorOf, keysetOrder, pageOf } from "../pagination.js";
import { repositoryAccess } from "../repositories/access.js";
import type { Keyring } from "../secrets/keyring.js";
import { catchUpMs, hostScheduleOf, parsedRow, validateTiming } from "./timing.js";

export interface ScheduleServiceOptions {
  db: Db;
  keyring: Keyring;
  registry: AgentRegistry;
  jobs: JobService;
  bus: JobEventBus;
  logger: Logger;
  lockWaitSeconds: number;
  /** How late a run's report may be before its slot counts as missed. */
  graceMs: number;
  /** Other API replicas: told to push a host's schedules when its agent is connected there. */
  replicas?: { pushSchedules(hostId: string): void };
  now?: () => number;
}

/** A schedule is judged at least this often, whatever its timing. */
const JUDGE_AT_LEAST_EVERY_MS = 3_600_000;

const INCLUDE = {
  host: { select: { id: true, name: true, timeZone: true, protocolVersion: true } },
  backupSet: { select: { id: true, name: true, hostId: true, options: true, retention: true } },
  repository: {
    select: {
      id: true,
      name: true,
      status: true,
      maintenanceHostId: true,
      maintenanceUrlSealed: true,
      maintenanceHost: { select: { name: true } },
    },
  },
} as const;
type Row = Prisma.ScheduleGetPayload<{ include: typeof INCLUDE }>;

const ACTIVE_STATES = ["queued", "dispatched", "running"];

/**
 * What a set's forget runs: its policy, on its own snapshots only (set ids are unique, so its
 * `rm-set:` tag alone selects them, also those made before the set moved to another host),
 * all of them one group.
 */
export function forgetParams(set: { id: string }, policy: TRetentionPolicy): TJobParams {
  return { kind: "forget", policy, tags: [setTag(set.id)], groupBy: [] };
}

export function parseRetention(text: string | null): TRetentionPolicy | null {
  return text === null ? null : ZRetentionPolicy.parse(JSON.parse(text));
}

/**
 * Schedules: kept here, fired by the agents. The server pushes each host its schedules (with
 * the credentials they need) when the agent connects and whenever one of them changes, records
 * the runs the agents report (once, by the agent's run id), and marks the slots nobody ran.
 */
export class ScheduleService {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Slots were marked missed or skipped, or a late run cleared a mark: the event stream tells browsers. */
  readonly changes = new EventEmitter<{ changed: [] }>();

  constructor(private readonly options: ScheduleServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────

  async list(filter: {
    hostId?: string | undefined;
    repositoryId?: string | undefined;
    backupSetId?: string | undefined;
    kind?: TScheduleKind | undefined;
    paused?: boolean | undefined;
    limit: number;
    cursor?: string | undefined;
  }) {
    const after = decodeCursorOf(filter.cursor, "date");
    const rows = await this.db.schedule.findMany({
      where: {
        hostId: filter.hostId,
        repositoryId: filter.repositoryId,
        backupSetId: filter.backupSetId,
        kind: filter.kind,
        paused: filter.paused,
        ...afterKeyset("createdAt", "desc", after),
      },
      orderBy: keysetOrder("createdAt", "desc"),
      take: filter.limit + 1,
      include: INCLUDE,
    });
    const { page, nextCursor } = pageOf(rows, filter.limit, (row) => row.createdAt);
    return { items: await Promise.all(page.map((row) => this.present(row))), nextCursor };
  }

  async get(id: string) {
    const row = found(
      await this.db.schedule.findUnique({ where: { id }, include: INCLUDE }),
      "No such schedule",
    );
    return this.present(row);
  }

  /** The timing in words and its next runs on a host, for the form; refuses a bad timing. */
  async preview(input: {
    timing: TScheduleTiming;
    timeZone: string | null;
    spreadMinutes: number;
    hostId?: string | undefined;
    count: number;
  }) {
    const host = input.hostId
      ? await this.db.host.findUnique({
          where: { id: input.hostId },
          select: { id: true, timeZone: true },
        })
      : null;
    const timeZone = input.timeZone ?? host?.timeZone ?? "UTC";
    const now = new Date(this.now());
    validateTiming({ ...input, timeZone }, now);
    const schedule = hostScheduleOf(
      {
        ...input,
        id: "",
        kind: "backup",
        hostId: host?.id ?? null,
        catchUpMinutes: null,
        overlap: "skip",
        options: "{}",
        paused: false,
        timing: JSON.stringify(input.timing),
      },
      host,
    );
    return {
      description: describeTiming(input.timing),
      timeZone: schedule.timeZone,
      nextRuns: nextRuns(schedule, now, input.count),
    };
  }

  private async present(row: Row) {
    const { timing, options, kind, overlap } = parsedRow(row);
    const host = row.host;
    const schedule = hostScheduleOf(row, host);
    const now = new Date(this.now());
    const lastRun = await this.db.job.findFirst({
      where: { scheduleId: row.id },
      orderBy: { createdAt: "desc" },
      select: { id: true, state: true, createdAt: true, finishedAt: true, scheduledFor: true },
    });
    return {
      id: row.id,
      kind,
      overlap,
      timing,
      options,
      description: describeTiming(timing),
      timeZone: row.timeZone,
      effectiveTimeZone: schedule.timeZone,
      spreadMinutes: row.spreadMinutes,
      catchUpMinutes: row.catchUpMinutes,
      paused: row.paused,
      revision: row.revision,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      hostId: row.hostId,
      hostName: host?.name ?? null,
      backupSetId: row.backupSetId,
      backupSetName: row.backupSet?.name ?? null,
      repositoryId: row.repositoryId,
      repositoryName: row.repository.name,
      nextRunAt: row.paused || !host ? null : (nextRuns(schedule, now, 1)[0] ?? null),
      lastRun: lastRun ? { ...lastRun, state: narrow(JOB_STATES, lastRun.state) } : null,
      problem: this.problem(row),
    };
  }

  /** Why a schedule cannot run, in words; null when it can. */
  private problem(row: Row): string | null {
    if (!row.hostId || !row.host) {
      return `"${row.repository.name}" has no maintenance host: ${row.kind} cannot run. Give the repository a maintenance endpoint and host.`;
    }
    if (row.host.protocolVersion !== null && row.host.protocolVersion < SCHEDULES_PROTOCOL) {
      return `The agent on ${row.host.name} is too old to run schedules: upgrade it.`;
    }
    if (row.kind === "forget" && !parseRetention(row.backupSet?.retention ?? null)) {
      return `The backup set "${row.backupSet?.name}" has no retention policy to apply.`;
    }
    return null;
  }

  // ── Changing ────────────────────────────────────────────────────────────────────

  /** Which host runs a schedule of this kind for this target, and on which repository. */
  private async target(input: {
    kind: TScheduleKind;
    backupSetId?: string | undefined;
    repositoryId?: string | undefined;
    hostId?: string | undefined;
  }) {
    if (SET_SCHEDULE_KINDS.includes(input.kind)) {
      const set = found(
        await this.db.backupSet.findUnique({
          where: { id: input.backupSetId ?? "" },
          include: { repository: true, host: { select: { timeZone: true } } },
        }),
        "No such backup set",
      );
      if (input.kind === "backup") {
        return {
          hostId: set.hostId,
          repositoryId: set.repositoryId,
          backupSetId: set.id,
          hostTimeZone: set.host.timeZone,
        };
      }
      if (input.kind === "drill") {
        const host = await drillHost(this.db, set, input.hostId ?? set.hostId);
        return {
          hostId: host.id,
          repositoryId: set.repositoryId,
          backupSetId: set.id,
          hostTimeZone: host.timeZone,
        };
      }
      const policy = parseRetention(set.retention);
      if (!policy || !retentionHasRules(policy)) {
        throw new AppError(
          "BAD_REQUEST",
          `The backup set "${set.name}" has no retention policy: give it one before scheduling its forget`,
        );
      }
      return this.maintenanceTarget(set.repository, set.id);
    }
    const repository = found(
      await this.db.repository.findUnique({ where: { id: input.repositoryId ?? "" } }),
      "No such repository",
    );
    return this.maintenanceTarget(repository, null);
  }

  private async maintenanceTarget(
    repository: {
      id: string;
      name: string;
      maintenanceHostId: string | null;
      maintenanceUrlSealed: string | null;
    },
    backupSetId: string | null,
  ) {
    if (!repository.maintenanceHostId || !repository.maintenanceUrlSealed) {
      throw new AppError(
        "BAD_REQUEST",
        `"${repository.name}" has no maintenance host, so retention, prune and check cannot run on a schedule: give it a maintenance endpoint and host first`,
      );
    }
    const host = await this.db.host.findUnique({
      where: { id: repository.maintenanceHostId },
      select: { timeZone: true },
    });
    return {
      hostId: repository.maintenanceHostId,
      repositoryId: repository.id,
      backupSetId,
      hostTimeZone: host?.timeZone ?? null,
    };
  }

  async create(input: TScheduleCreate, actor: Actor, meta: RequestMeta) {
    const target = await this.target(input);
    const now = new Date(this.now());
    validateTiming({ ...input, timeZone: input.timeZone ?? target.hostTimeZone }, now);
    checkOptions(input.kind, input.options);
    const row = await this.db.$transaction(async (tx) => {
      const created = await tx.schedule.create({
        data: {
          kind: input.kind,
          hostId: target.hostId,
          repositoryId: target.repositoryId,
          backupSetId: target.backupSetId,
          timing: JSON.stringify(input.timing),
          timeZone: input.timeZone,
          spreadMinutes: input.spreadMinutes,
          catchUpMinutes: input.catchUpMinutes,
          overlap: input.overlap,
          options: JSON.stringify(input.options),
          paused: input.paused,
          judgedThrough: now,
        },
        include: INCLUDE,
      });
      await recordAudit(tx, {
        action: "schedule.created",
        actor,
        target: { type: "schedule", id: created.id, name: scheduleName(created) },
        ip: meta.ip,
        details: { timing: describeTiming(input.timing), paused: input.paused },
      });
      return created;
    });
    await this.pushTo(row.hostId);
    return this.present(row);
  }

  async update(
    input: Omit<TScheduleCreate, "kind" | "backupSetId" | "repositoryId"> & { id: string },
    actor: Actor,
    meta: RequestMeta,
  ) {
    const existing = found(
      await this.db.schedule.findUnique({ where: { id: input.id }, include: INCLUDE }),
      "No such schedule",
    );
    const now = new Date(this.now());
    validateTiming({ ...input, timeZone: input.timeZone ?? existing.host?.timeZone ?? null }, now);
    checkOptions(parsedRow(existing).kind, input.options);
    const row = await this.db.$transaction(async (tx) => {
      const updated = await tx.schedule.update({
        where: { id: input.id },
        data: {
          timing: JSON.stringify(input.timing),
          timeZone: input.timeZone,
          spreadMinutes: input.spreadMinutes,
          catchUpMinutes: input.catchUpMinutes,
          overlap: input.overlap,
          options: JSON.stringify(input.options),
          paused: input.paused,
          revision: { increment: 1 },
          // Slots of the old timing are not judged against the new one.
          judgedThrough: now,
          nextJudgeAt: null,
        },
        include: INCLUDE,
      });
      await recordAudit(tx, {
        action: "schedule.updated",
        actor,
        target: { type: "schedule", id: updated.id, name: scheduleName(updated) },
        ip: meta.ip,
        details: { timing: describeTiming(input.timing), paused: input.paused },
      });
      return updated;
    });
    await this.pushTo(row.hostId);
    return this.present(row);
  }

  async setPaused(id: string, paused: boolean, actor: Actor, meta: RequestMeta) {
    const row = await this.db.$transaction(async (tx) => {
      const existing = found(await tx.schedule.findUnique({ where: { id } }), "No such schedule");
      const updated = await tx.schedule.update({
        where: { id },
        data: {
          paused,
          revision: { increment: 1 },
          // Slots while paused are neither run nor missed.
          judgedThrough: existing.paused ? new Date(this.now()) : existing.judgedThrough,
          nextJudgeAt: null,
        },
        include: INCLUDE,
      });
      await recordAudit(tx, {
        action: paused ? "schedule.paused" : "schedule.resumed",
        actor,
        target: { type: "schedule", id, name: scheduleName(updated) },
        ip: meta.ip,
      });
      return updated;
    });
    await this.pushTo(row.hostId);
    return this.present(row);
  }

  async remove(id: string, actor: Actor, meta: RequestMeta) {
    const row = await this.db.$transaction(async (tx) => {
      const existing = found(
        await tx.schedule.findUnique({ where: { id }, include: INCLUDE }),
        "No such schedule",
      );
      await tx.schedule.delete({ where: { id } });
      await recordAudit(tx, {
        action: "schedule.deleted",
        actor,
        target: { type: "schedule", id, name: scheduleName(existing) },
        ip: meta.ip,
      });
      return existing;
    });
    await this.pushTo(row.hostId);
  }

  /** Runs a schedule's job now, through the server; refused while a run of it is under way. */
  async runNow(id: string, actor: Actor, meta: RequestMeta) {
    const row = found(
      await this.db.schedule.findUnique({ where: { id }, include: INCLUDE }),
      "No such schedule",
    );
    const problem = this.problem(row);
    if (problem && !problem.includes("too old")) throw new AppError("BAD_REQUEST", problem);
    const active = await this.db.job.findFirst({
      where: { scheduleId: id, state: { in: ACTIVE_STATES } },
      select: { id: true },
    });
    if (active) {
      throw new AppError("CONFLICT", "A run of this schedule is already queued or running");
    }
    let params = this.jobParams(row);
    const parts = parsedRow(row).options.readDataParts;
    if (params.kind === "check" && parts) {
      params = { ...params, readDataSubset: `${await this.nextCheckPart(id, parts)}/${parts}` };
    }
    const job = await this.options.jobs.create(
      { hostId: row.hostId ?? "", repositoryId: row.repositoryId, params },
      actor,
      meta,
      { scheduleId: id, ...(row.backupSetId ? { backupSetId: row.backupSetId } : {}) },
    );
    return { jobId: job.id };
  }

  /** The part after the last one a run of this check read. */
  private async nextCheckPart(scheduleId: string, parts: number): Promise<number> {
    const last = await this.db.job.findFirst({
      where: { scheduleId, kind: "check" },
      orderBy: { createdAt: "desc" },
      select: { params: true },
    });
    const subset = last
      ? (JSON.parse(last.params) as { readDataSubset?: string }).readDataSubset
      : undefined;
    const match = subset?.match(/^(\d+)\/(\d+)$/);
    if (!match || Number(match[2]) !== parts) return 1;
    return (Number(match[1]) % parts) + 1;
  }

  /** The job a schedule runs, from its target's current settings. */
  private jobParams(row: Row): TJobParams {
    const kind = parsedRow(row).kind;
    const options = parsedRow(row).options;
    switch (kind) {
      case "backup": {
        const set = found(row.backupSet, "The schedule's backup set is gone");
        const setOptions = ZBackupSetOptions.parse(JSON.parse(set.options));
        return {
          kind: "backup",
          ...setOptions,
          tags: [...(setOptions.tags ?? []), ...backupSetTags(set.hostId, set.id)],
        };
      }
      case "forget": {
        const set = found(row.backupSet, "The schedule's backup set is gone");
        const policy = parseRetention(set.retention);
        if (!policy) throw new AppError("BAD_REQUEST", `"${set.name}" has no retention policy`);
        return forgetParams(set, policy);
      }
      case "prune":
        return { kind: "prune", ...(options.maxUnused ? { maxUnused: options.maxUnused } : {}) };
      case "check":
        return { kind: "check" };
      case "drill": {
        const set = found(row.backupSet, "The schedule's backup set is gone");
        return drillParams(set, options);
      }
      default: {
        const exhaustive: never = kind;
        return exhaustive;
      }
    }
  }

  // ── Pushing to agents ───────────────────────────────────────────────────────────

  /** Every schedule of a host, as its agent keeps them; ones that cannot run are left out. */
  async definitionsFor(hostId: string): Promise<TScheduleDefinition[]> {
    // Most hosts have none, and every agent's connect asks: one statement of the server's own
    // (see statements.ts) on the hostId index, instead of Prisma's query and its relations.
    const any = await directStatements(this.db).get(
      `SELECT 1 AS "found" FROM "Schedule" WHERE "hostId" = ? LIMIT 1`,
      hostId,
    );
    if (!any) return [];
    const rows = await this.db.schedule.findMany({
      where: { hostId },
      include: { ...INCLUDE, repository: true },
    });
    const now = new Date(this.now());
    const definitions: TScheduleDefinition[] = [];
    for (const row of rows) {
      try {
        const { kind, overlap, options } = parsedRow(row);
        const params = parseJobParams(this.jobParams(row as unknown as Row));
        const endpoint = chooseEndpoint(row.repository, hostId, params.kind);
        const schedule = hostScheduleOf(row, row.host);
        definitions.push({
          id: row.id,
          revision: row.revision,
          kind,
          timing: schedule.timing,
          timeZone: schedule.timeZone,
          spreadMs: schedule.spreadMs,
          catchUpMs: catchUpMs(row, schedule, now),
          overlap,
          paused: row.paused,
          ...(kind === "check" && options.readDataParts
            ? { readDataParts: options.readDataParts }
            : {}),
          job: {
            params,
            repository: repositoryAccess(this.options.keyring, row.repository, endpoint),
            ...(this.options.lockWaitSeconds && params.kind !== "backup"
              ? { lockWaitSeconds: this.options.lockWaitSeconds }
              : {}),
          },
        });
      } catch (error) {
        this.options.logger.warn({
          event: "schedule.not_pushed",
          scheduleId: row.id,
          reason: (error as Error).message,
        });
      }
    }
    return definitions;
  }

  /**
   * Sends a host's schedules to its agent, when it is connected and speaks schedules; one
   * connected to another replica is sent them by that replica (unless `here` says this is
   * already that replica's push).
   */
  async pushTo(hostId: string | null, here = false): Promise<void> {
    if (!hostId) return;
    const connection = this.options.registry.get(hostId);
    if (!connection) {
      if (!here) this.options.replicas?.pushSchedules(hostId);
      return;
    }
    if ((connection.protocolVersion ?? 1) < SCHEDULES_PROTOCOL) return;
    try {
      connection.send({ type: "schedules", schedules: await this.definitionsFor(hostId) });
    } catch (error) {
      this.options.logger.error({ event: "schedule.push_failed", hostId, err: error });
    }
  }

  /**
   * Runs `remove` (which deletes schedules with their set or repository) and then tells the
   * agents that had them, so none fires a schedule that is gone.
   */
  async afterRemoving<T>(
    where: { repositoryId?: string; backupSetId?: string },
    remove: () => Promise<T>,
  ): Promise<T> {
    const hosts = await this.db.schedule.findMany({
      where,
      select: { hostId: true },
      distinct: ["hostId"],
    });
    const result = await remove();
    for (const { hostId } of hosts) await this.pushTo(hostId);
    return result;
  }

  /** After a change to a repository (credentials, maintenance host) or a backup set. */
  async refreshFor(where: { repositoryId?: string; backupSetId?: string }): Promise<void> {
    if (where.repositoryId) {
      const repository = await this.db.repository.findUnique({
        where: { id: where.repositoryId },
        select: { maintenanceHostId: true },
      });
      // Repository schedules follow the maintenance host wherever it moves.
      const moved = await this.db.schedule.findMany({
        where: {
          repositoryId: where.repositoryId,
          kind: { in: ["forget", "prune", "check"] },
          NOT: { hostId: repository?.maintenanceHostId ?? null },
        },
        select: { id: true, hostId: true },
      });
      if (moved.length > 0) {
        await this.db.schedule.updateMany({
          where: { id: { in: moved.map((m) => m.id) } },
          data: {
            hostId: repository?.maintenanceHostId ?? null,
            revision: { increment: 1 },
            judgedThrough: new Date(this.now()),
            nextJudgeAt: null,
          },
        });
        for (const { hostId } of moved) await this.pushTo(hostId);
      }
    }
    const hosts = await this.db.schedule.findMany({
      where: where.backupSetId
        ? { backupSetId: where.backupSetId }
        : { repositoryId: where.repositoryId ?? "" },
      select: { hostId: true },
      distinct: ["hostId"],
    });
    for (const { hostId } of hosts) await this.pushTo(hostId);
  }

  // ── What agents report ──────────────────────────────────────────────────────────

  /**
   * Runs the agent started on its own, and slots it skipped or missed. Idempotent: a run is
   * recorded once by the agent's id, whatever number of times it is reported.
   */
  async recordReport(hostId: string, report: TScheduleReport) {
    let recorded = 0;
    let refused = 0;
    for (const run of report.runs) {
      // One run the server cannot take (a job kind it does not know) must not hold back the
      // others: it is logged and acknowledged, never re-sent forever.
      try {
        if (await this.recordRun(hostId, run)) recorded += 1;
      } catch (error) {
        refused += 1;
        this.options.logger.warn({
          event: "schedule.run_refused",
          hostId,
          jobId: run.jobId,
          reason: (error as Error).message,
        });
      }
    }
    let misses = 0;
    for (const miss of report.misses) {
      const schedule = await this.db.schedule.findUnique({
        where: { id: miss.scheduleId },
        select: { hostId: true },
      });
      if (!schedule || schedule.hostId !== hostId) continue;
      const ran = await this.db.job.findFirst({
        where: { scheduleId: miss.scheduleId, scheduledFor: miss.slot },
        select: { id: true },
      });
      if (ran) continue;
      await this.db.scheduleMiss.upsert({
        where: { scheduleId_slot: { scheduleId: miss.scheduleId, slot: miss.slot } },
        create: {
          scheduleId: miss.scheduleId,
          hostId,
          slot: miss.slot,
          reason: miss.reason,
          detail: miss.detail,
        },
        update: { reason: miss.reason, detail: miss.detail },
      });
      misses += 1;
    }
    if (misses > 0) this.changes.emit("changed");
    return { recorded, refused, misses };
  }

  private async recordRun(hostId: string, run: TScheduleReport["runs"][number]): Promise<boolean> {
    const existing = await this.db.job.findUnique({
      where: { id: run.jobId },
      select: { hostId: true },
    });
    if (existing) return false; // reported before (or an id that is not this host's: ignored)
    const schedule = await this.db.schedule.findUnique({
      where: { id: run.scheduleId },
      include: { repository: true, backupSet: { select: { name: true } } },
    });
    const params = parseJobParams(run.params);
    // A run of a schedule deleted meanwhile still happened: it is recorded without one.
    const mine = schedule && schedule.hostId === hostId ? schedule : null;
    const repositoryId = mine?.repositoryId ?? null;
    let endpoint = "backup";
    if (mine) {
      try {
        endpoint = chooseEndpoint(mine.repository, hostId, params.kind);
      } catch {
        endpoint = "backup";
      }
    }
    const now = this.now();
    const startedAt = new Date(Math.min(run.startedAt.getTime(), now));
    const data = {
      id: run.jobId,
      hostId,
      repositoryId,
      kind: params.kind,
      endpoint,
      backupSetId: mine?.backupSetId ?? null,
      params: JSON.stringify(params),
      state: "running",
      createdAt: startedAt,
      dispatchedAt: startedAt,
      startedAt,
      createdByType: "schedule",
      createdByName: mine
        ? `${mine.kind} schedule of ${mine.backupSet?.name ?? mine.repository.name}`
        : "a deleted schedule",
      scheduleId: mine?.id ?? null,
      scheduledFor: mine ? run.slot : null,
    };
    try {
      await this.db.job.create({ data });
    } catch (error) {
      if ((error as { code?: string }).code !== "P2002") throw error;
      // Same id (a report raced itself) or a second run for one slot: keep it, without the slot.
      const again = await this.db.job.findUnique({
        where: { id: run.jobId },
        select: { id: true },
      });
      if (again) return false;
      this.options.logger.warn({
        event: "schedule.duplicate_slot",
        scheduleId: run.scheduleId,
        slot: run.slot,
      });
      await this.db.job.create({ data: { ...data, scheduledFor: null } });
    }
    if (mine) {
      const cleared = await this.db.scheduleMiss.deleteMany({
        where: { scheduleId: mine.id, slot: run.slot },
      });
      if (cleared.count > 0) this.changes.emit("changed");
    }
    this.options.bus.publish(run.jobId, {
      type: "state",
      state: "running",
      exitCode: null,
      error: null,
      at: new Date(now),
    });
    return true;
  }

  // ── Judging slots ───────────────────────────────────────────────────────────────

  /**
   * Marks the slots that passed more than the grace period ago with no run reported: the host
   * was off, its agent dead, or its clock wrong. A run reported later still counts and clears
   * the mark. Runs on a timer; the server's first pass waits one grace period so agents can
   * reconnect and report what they ran while it was away.
   */
  async judgeMissed(): Promise<number> {
    const now = this.now();
    // Agents reconnecting after a restart report what they ran meanwhile: give them time.
    if (now - this.startedAt < this.options.graceMs) return 0;
    const judgeUntil = new Date(now - this.options.graceMs);
    // Only schedules whose next slot may have come: a range of the nextJudgeAt index, not a
    // pass over every schedule of the fleet.
    const rows = await this.db.schedule.findMany({
      where: {
        OR: [{ nextJudgeAt: null }, { nextJudgeAt: { lte: judgeUntil } }],
        paused: false,
        hostId: { not: null },
        judgedThrough: { lt: judgeUntil },
      },
      include: INCLUDE,
    });
    let marked = 0;
    for (const row of rows) {
      try {
        marked += await this.judge(row, judgeUntil);
      } catch (error) {
        this.options.logger.error({
          event: "schedule.judge_failed",
          scheduleId: row.id,
          err: error,
        });
      }
    }
    if (marked > 0) this.changes.emit("changed");
    return marked;
  }

  private async judge(row: Row, until: Date): Promise<number> {
    const schedule = hostScheduleOf(row, row.host);
    const slots: Date[] = [];
    let cursor = row.judgedThrough;
    let upcoming: Date | undefined;
    // Bounded: a schedule every minute on a host away for a month reports the latest slots.
    for (;;) {
      const [next] = nextRuns(schedule, cursor, 1);
      if (!next || next > until) {
        upcoming = next;
        break;
      }
      slots.push(next);
      if (slots.length > 500) slots.shift();
      cursor = next;
    }
    // Looked at again at its next slot, or within the hour: the slot moves if the host's time
    // zone changes. No next slot at all: within the hour too.
    const nextJudgeAt = new Date(
      Math.min(upcoming?.getTime() ?? Infinity, until.getTime() + JUDGE_AT_LEAST_EVERY_MS),
    );
    if (slots.length === 0) {
      await this.db.schedule.update({ where: { id: row.id }, data: { nextJudgeAt } });
      return 0;
    }
    let marked = 0;
    const ran = await this.db.job.findMany({
      where: { scheduleId: row.id, scheduledFor: { gte: slots[0], lte: slots.at(-1) } },
      select: { scheduledFor: true },
    });
    const ranAt = new Set(ran.map((job) => job.scheduledFor?.getTime()));
    const online = this.options.registry.isOnline(row.hostId ?? "");
    for (const slot of slots) {
      if (ranAt.has(slot.getTime())) continue;
      const { count } = await this.db.scheduleMiss
        .createMany({
          data: [
            {
              scheduleId: row.id,
              hostId: row.hostId,
              slot,
              reason: "missed",
              detail: online
                ? "no run was reported: the agent did not start it"
                : "no run was reported: the host was offline or its agent stopped",
            },
          ],
        })
        .catch(() => ({ count: 0 })); // already marked (by the agent's own report)
      marked += count;
    }
    await this.db.schedule.update({
      where: { id: row.id },
      data: { judgedThrough: until, nextJudgeAt },
    });
    return marked;
  }

  async listMisses(filter: {
    scheduleId?: string | undefined;
    hostId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  }) {
    const after = decodeCursorOf(filter.cursor, "date");
    const rows = await this.db.scheduleMiss.findMany({
      where: {
        scheduleId: filter.scheduleId,
        hostId: filter.hostId,
        ...afterKeyset("recordedAt", "desc", after),
      },
      orderBy: keysetOrder("recordedAt", "desc"),
      take: filter.limit + 1,
      include: {
        schedule: {
          select: {
            kind: true,
            backupSet: { select: { name: true } },
            repository: { select: { name: true } },
            host: { select: { name: true } },
          },
        },
      },
    });
    const { page, nextCursor } = pageOf(rows, filter.limit, (row) => row.recordedAt);
    return {
      // What was missed, in words: the schedule's kind, its target and its host.
      items: page.map(({ schedule, ...miss }) => ({
        ...miss,
        scheduleKind: schedule.kind,
        target: schedule.backupSet?.name ?? schedule.repository.name,
        hostName: schedule.host?.name ?? null,
      })),
      nextCursor,
    };
  }
}

function checkOptions(kind: TScheduleKind, options: TScheduleOptions) {
  if (options.maxUnused !== undefined && kind !== "prune") {
    throw new AppError("BAD_REQUEST", "Only a prune schedule takes a maximum of unused space");
  }
  if (options.readDataParts !== undefined && kind !== "check") {
    throw new AppError("BAD_REQUEST", "Only a check schedule reads the data in parts");
  }
  if (
    (options.sampleFiles !== undefined || options.sampleBytes !== undefined) &&
    kind !== "drill"
  ) {
    throw new AppError("BAD_REQUEST", "Only a drill schedule restores a sample of files");
  }
}

function scheduleName(row: Row): string {
  const target = row.backupSet ? `${row.backupSet.name}` : row.repository.name;
  return `${row.kind} of ${target}`;
}
