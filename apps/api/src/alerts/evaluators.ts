import type { TAlertKind, TJobFinished } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { Logger } from "../logger.js";
import type { AlertService } from "./service.js";

/**
 * Where alerts come from. Job outcomes are judged as they are recorded; conditions that last
 * (a host away, a set without a fresh backup, missed slots, old locks) are judged on a timer
 * on the server, so they fire even when the agent is dead.
 */
export interface AlertSourceDeps {
  db: Db;
  alerts: AlertService;
  agents: AgentRegistry;
  logger: Logger;
  now?: () => number;
}

const FAILED = ["failed", "lost"];

/** The job kinds whose failure says something about the repository itself. */
const REPOSITORY_KINDS = ["backup", "check", "forget", "prune", "health", "drill"];

async function names(
  db: Db,
  job: { hostId: string; repositoryId: string | null; backupSetId: string | null },
) {
  const [host, repository, set] = await Promise.all([
    db.host.findUnique({ where: { id: job.hostId }, select: { name: true } }),
    job.repositoryId
      ? db.repository.findUnique({ where: { id: job.repositoryId }, select: { name: true } })
      : null,
    job.backupSetId
      ? db.backupSet.findUnique({ where: { id: job.backupSetId }, select: { name: true } })
      : null,
  ]);
  return { host: host?.name ?? "a deleted host", repository: repository?.name, set: set?.name };
}

/** A job's result, as alerts see it: raised on failure, resolved by the next success. */
export async function onJobFinishedForAlerts(
  deps: AlertSourceDeps,
  job: {
    id: string;
    kind: string;
    hostId: string;
    repositoryId: string | null;
    backupSetId: string | null;
    scheduleId: string | null;
  },
  report: Pick<TJobFinished, "outcome" | "error">,
): Promise<void> {
  const { alerts, db } = deps;
  const { kind } = job;
  const target = `${kind}:${job.backupSetId ?? job.repositoryId ?? "-"}`;
  if (report.outcome === "cancelled") return;
  if (report.outcome === "succeeded") {
    // What this success clears, looked up together: most of the time nothing is open.
    const keys: { kind: TAlertKind; hostId: string | null; target: string }[] = [
      { kind: "job_failed", hostId: job.hostId, target },
    ];
    if (kind === "check" && job.repositoryId) {
      keys.push({ kind: "check_failed", hostId: null, target: job.repositoryId });
    }
    if (kind === "drill" && job.backupSetId) {
      keys.push({ kind: "drill_failed", hostId: job.hostId, target: job.backupSetId });
    }
    if (kind === "backup" && job.backupSetId) {
      keys.push({ kind: "backup_stale", hostId: job.hostId, target: job.backupSetId });
    }
    if (job.scheduleId) {
      keys.push({ kind: "schedule_missed", hostId: job.hostId, target: job.scheduleId });
    }
    if (job.repositoryId && REPOSITORY_KINDS.includes(kind)) {
      keys.push({ kind: "repository_failing", hostId: null, target: job.repositoryId });
    }
    await alerts.resolveKeys(keys, `job ${job.id} succeeded`);
    return;
  }
  const named = await names(db, job);
  const what = named.set
    ? `${kind} of ${named.set}`
    : named.repository
      ? `${kind} of ${named.repository}`
      : kind;
  const error = report.error ?? "no reason given";
  await alerts.raise({
    kind: "job_failed",
    hostId: job.hostId,
    repositoryId: job.repositoryId,
    backupSetId: job.backupSetId,
    jobId: job.id,
    target,
    subject: `${what} on ${named.host}`,
    summary: `${what} ${report.outcome}: ${error}`,
  });
  if (kind === "check" && job.repositoryId) {
    await alerts.raise({
      kind: "check_failed",
      hostId: null,
      repositoryId: job.repositoryId,
      jobId: job.id,
      target: job.repositoryId,
      subject: `check of ${named.repository}`,
      summary: `the check of ${named.repository} failed: ${error}`,
    });
  }
  if (kind === "drill" && job.backupSetId) {
    await alerts.raise({
      kind: "drill_failed",
      hostId: job.hostId,
      backupSetId: job.backupSetId,
      repositoryId: job.repositoryId,
      jobId: job.id,
      target: job.backupSetId,
      subject: `restore drill of ${named.set} on ${named.host}`,
      summary: `the restore drill of ${named.set} failed: ${error}`,
    });
  }
  if (job.repositoryId && REPOSITORY_KINDS.includes(kind)) {
    await raiseIfFailingInARow(deps, job.repositoryId, named.repository ?? "a repository", job.id);
  }
}

/**
 * A running job's restic cannot reach its repository and keeps retrying: the repository is
 * failing now, not only after the job gives up. The same alert as N failures in a row (one per
 * repository), resolved by the next job on the repository that succeeds.
 */
export async function onRepositoryUnreachable(
  deps: AlertSourceDeps,
  job: { id: string; hostId: string; repositoryId: string },
  line: string,
): Promise<void> {
  const repository =
    (
      await deps.db.repository.findUnique({
        where: { id: job.repositoryId },
        select: { name: true },
      })
    )?.name ?? "a repository";
  await deps.alerts.raise({
    kind: "repository_failing",
    hostId: null,
    repositoryId: job.repositoryId,
    jobId: job.id,
    target: job.repositoryId,
    subject: `repository ${repository}`,
    summary: `${repository} does not answer; restic is retrying: ${line.slice(0, 500)}`,
  });
}

/** N jobs in a row on a repository failed (N = the rule's threshold). */
async function raiseIfFailingInARow(
  deps: AlertSourceDeps,
  repositoryId: string,
  repository: string,
  jobId: string,
) {
  const rule = await deps.alerts.ruleFor("repository_failing");
  const limit = rule.threshold ?? 3;
  const latest = await deps.db.job.findMany({
    where: {
      repositoryId,
      kind: { in: REPOSITORY_KINDS },
      state: { in: ["succeeded", ...FAILED] },
    },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { state: true },
  });
  if (latest.length < limit || latest.some((job) => !FAILED.includes(job.state))) return;
  await deps.alerts.raise({
    kind: "repository_failing",
    hostId: null,
    repositoryId,
    jobId,
    target: repositoryId,
    subject: `repository ${repository}`,
    summary: `the last ${limit} jobs on ${repository} failed`,
  });
}

/**
 * The conditions that last, judged on a timer: hosts away past their threshold, sets without
 * a successful backup within theirs, slots marked missed since the last pass, old locks.
 */
/** How long hosts that came back are gathered before their offline alerts are looked up. */
const RETURN_BATCH_MS = 1000;
/** Hosts per lookup (SQLite's limit on bound parameters is far above this). */
const RETURN_BATCH_SIZE = 500;

export class AlertSweeper {
  private missesSince: Date;
  private readonly now: () => number;

  constructor(private readonly deps: AlertSourceDeps) {
    this.now = deps.now ?? Date.now;
    this.missesSince = new Date(this.now());
    // A host that comes back resolves its "offline" alert within a second; hosts that come
    // back together (a server restart) are looked up together.
    deps.agents.events.on("online", (hostId) => this.cameBack(hostId));
  }

  private readonly returned = new Set<string>();
  private returnTimer: NodeJS.Timeout | undefined;

  private cameBack(hostId: string): void {
    this.returned.add(hostId);
    this.returnTimer ??= setTimeout(() => void this.resolveReturned(), RETURN_BATCH_MS).unref();
  }

  private async resolveReturned(): Promise<void> {
    this.returnTimer = undefined;
    const hostIds = [...this.returned];
    this.returned.clear();
    for (let i = 0; i < hostIds.length; i += RETURN_BATCH_SIZE) {
      const batch = hostIds.slice(i, i + RETURN_BATCH_SIZE);
      await this.deps.alerts
        .resolveKeys(
          batch.map((hostId) => ({ kind: "agent_offline" as const, hostId, target: "agent" })),
          "the agent is connected again",
        )
        .catch((error: unknown) =>
          this.deps.logger.error({
            event: "alerts.resolve_failed",
            hosts: batch.length,
            err: error,
          }),
        );
    }
  }

  async sweep(): Promise<void> {
    for (const step of [
      () => this.offlineHosts(),
      () => this.staleBackups(),
      () => this.missedSlots(),
      () => this.oldLocks(),
      () => this.deps.alerts.remind(),
    ]) {
      try {
        await step();
      } catch (error) {
        this.deps.logger.error({ event: "alerts.sweep_failed", err: error });
      }
    }
  }

  private async offlineHosts() {
    const hosts = await this.deps.db.host.findMany({
      where: { revokedAt: null },
      select: { id: true, name: true, lastSeenAt: true },
    });
    for (const host of hosts) {
      const awayMs = this.deps.agents.offlineForMs(host.id);
      if (awayMs === 0) continue;
      const rule = await this.deps.alerts.ruleFor("agent_offline", host.id);
      if (!rule.enabled || awayMs < (rule.threshold ?? 30) * 60_000) continue;
      await this.deps.alerts.raise(
        {
          kind: "agent_offline",
          hostId: host.id,
          target: "agent",
          subject: `${host.name} offline`,
          summary: `the agent on ${host.name} has not been connected for ${Math.round(awayMs / 60_000)} min${host.lastSeenAt ? ` (last seen ${host.lastSeenAt.toISOString()})` : ""}`,
        },
        { bump: false },
      );
    }
  }

  private async staleBackups() {
    const now = this.now();
    const fresh = await this.freshSets(now);
    const sets = await this.deps.db.backupSet.findMany({
      select: { id: true, name: true, hostId: true, createdAt: true },
    });
    for (const set of sets) {
      if (fresh.has(set.id)) continue;
      const rule = await this.deps.alerts.ruleFor("backup_stale", set.hostId);
      if (!rule.enabled) continue;
      const thresholdMs = (rule.threshold ?? 26 * 60) * 60_000;
      const last = await this.deps.db.job.findFirst({
        where: { backupSetId: set.id, kind: "backup", state: "succeeded" },
        orderBy: { createdAt: "desc" },
        select: { finishedAt: true },
      });
      const since = last?.finishedAt ?? set.createdAt;
      if (now - since.getTime() < thresholdMs) continue;
      const host = await this.deps.db.host.findUnique({
        where: { id: set.hostId },
        select: { name: true },
      });
      await this.deps.alerts.raise(
        {
          kind: "backup_stale",
          hostId: set.hostId,
          backupSetId: set.id,
          target: set.id,
          subject: `${set.name} on ${host?.name ?? set.hostId}`,
          summary: last
            ? `no successful backup of ${set.name} since ${since.toISOString()}`
            : `${set.name} has never been backed up successfully`,
        },
        { bump: false },
      );
    }
  }

  /**
   * Sets with a successful backup within the shortest stale threshold of any host: not stale
   * whatever their own rule. One range of the (state, finishedAt) index instead of a rule and a
   * job lookup per set of the fleet; only the others are looked at one by one.
   */
  private async freshSets(now: number): Promise<Set<string>> {
    const [fleetRule, overrides] = await Promise.all([
      this.deps.alerts.ruleFor("backup_stale"),
      this.deps.db.alertOverride.findMany({
        where: { kind: "backup_stale", threshold: { not: null } },
        select: { threshold: true },
      }),
    ]);
    const minutes = [fleetRule.threshold ?? 26 * 60, ...overrides.map((o) => o.threshold ?? 0)];
    const since = new Date(now - Math.min(...minutes) * 60_000);
    const recent = await this.deps.db.job.findMany({
      where: { state: "succeeded", finishedAt: { gt: since }, kind: "backup" },
      select: { backupSetId: true },
    });
    return new Set(recent.flatMap((job) => (job.backupSetId ? [job.backupSetId] : [])));
  }

  private async missedSlots() {
    const until = new Date(this.now());
    const misses = await this.deps.db.scheduleMiss.findMany({
      where: { reason: "missed", recordedAt: { gt: this.missesSince, lte: until } },
      orderBy: { recordedAt: "asc" },
      take: 1000,
      include: {
        schedule: {
          select: {
            id: true,
            kind: true,
            backupSet: { select: { name: true } },
            repository: { select: { name: true } },
            host: { select: { name: true } },
          },
        },
      },
    });
    for (const miss of misses) {
      const { schedule } = miss;
      const target = schedule.backupSet?.name ?? schedule.repository.name;
      await this.deps.alerts.raise({
        kind: "schedule_missed",
        hostId: miss.hostId,
        target: schedule.id,
        subject: `${schedule.kind} of ${target} on ${schedule.host?.name ?? "no host"}`,
        summary: `the ${schedule.kind} of ${target} due at ${miss.slot.toISOString()} did not run: ${miss.detail}`,
      });
    }
    const last = misses.at(-1);
    this.missesSince = misses.length === 1000 && last ? last.recordedAt : until;
  }

  private async oldLocks() {
    const rule = await this.deps.alerts.ruleFor("lock_stale");
    if (!rule.enabled) return;
    const thresholdMs = (rule.threshold ?? 24 * 60) * 60_000;
    const repositories = await this.deps.db.repository.findMany({
      select: { id: true, name: true, locksJson: true },
    });
    const now = this.now();
    for (const repository of repositories) {
      const locks = repository.locksJson
        ? (JSON.parse(repository.locksJson) as Array<{ time: string; hostname?: string }>)
        : [];
      const old = locks.filter((lock) => now - Date.parse(lock.time) >= thresholdMs);
      if (old.length === 0) {
        await this.deps.alerts.resolveKey("lock_stale", null, repository.id, "no old lock left");
        continue;
      }
      await this.deps.alerts.raise(
        {
          kind: "lock_stale",
          repositoryId: repository.id,
          target: repository.id,
          subject: `locks on ${repository.name}`,
          summary: `${old.length} lock(s) on ${repository.name} older than ${Math.round(thresholdMs / 60_000)} min (from ${old.map((lock) => lock.hostname ?? "?").join(", ")})`,
        },
        { bump: false },
      );
    }
  }
}
