import {
  ALERT_SEVERITIES,
  JOB_KINDS,
  type TJobFinished,
  ZJobOutcome,
} from "@restic-manager/contracts";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db.js";
import type { AgentRegistry } from "../hosts/registry.js";
import { BackupRecency } from "./backupRecency.js";
import { type FleetState, readFleetState } from "./fleetState.js";

const PREFIX = "restic_manager_";
/** From a quick `unlock` to a first backup of a large host. */
const DURATION_BUCKETS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200, 86_400,
];
const SET_LABELS = ["backup_set_id", "backup_set", "host"] as const;
const REPOSITORY_LABELS = ["repository_id", "repository"] as const;

/** A finished job as the JobService's afterFinish hook hands it over (the job's row). */
export interface FinishedJob {
  kind: string;
  backupSetId: string | null;
  /** When the agent said it began; a job that never reported its start took no time. */
  startedAt?: Date | null;
}

/**
 * The Prometheus metrics of this server. Job counts and durations are recorded as jobs finish
 * (counters and a histogram in memory, so a scrape reads no job history); the state of the
 * fleet (hosts, backup sets, open alerts, repositories, unsent deliveries, active jobs) is read
 * at scrape time with bounded queries. One registry per server, not prom-client's global one.
 */
export class FleetMetrics {
  readonly registry = new Registry();
  private readonly recency: BackupRecency;
  private readonly now: () => number;
  /** Scrapes that arrive together share one reading of the database. */
  private scraping: Promise<string> | undefined;

  private readonly jobsFinished = new Counter({
    name: `${PREFIX}jobs_finished_total`,
    help: "Jobs whose result an agent reported, by kind and outcome (since the server started).",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: `${PREFIX}job_duration_seconds`,
    help: "How long finished jobs ran, from when their agent reported the start to their end.",
    labelNames: ["kind", "outcome"] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly hosts = this.gauge(
    "hosts",
    "Enrolled hosts by whether their agent is connected.",
    ["state"],
  );
  private readonly lastSuccessTimestamp = this.gauge(
    "backup_set_last_success_timestamp_seconds",
    "When the backup set's last successful backup finished (Unix time); absent when it never had one.",
    SET_LABELS,
  );
  private readonly secondsSinceSuccess = this.gauge(
    "backup_set_seconds_since_last_success",
    "Seconds since the backup set's last successful backup finished; absent when it never had one.",
    SET_LABELS,
  );
  private readonly activeJobs = this.gauge(
    "jobs_active",
    "Jobs queued, dispatched or running, by kind and state.",
    ["kind", "state"],
  );
  private readonly openAlerts = this.gauge(
    "alerts_open",
    "Open alerts (raised or acknowledged), by severity and state.",
    ["severity", "state"],
  );
  private readonly unsentDeliveries = this.gauge(
    "alert_deliveries_pending",
    "Alert messages not sent yet: pending (waiting to be sent or retried), held (for a digest) or sending.",
    ["state"],
  );
  private readonly repositoryTotalSize = this.gauge(
    "repository_total_size_bytes",
    "Size of the repository's restored data (restic stats, restore-size), from its last health check.",
    REPOSITORY_LABELS,
  );
  private readonly repositoryRawSize = this.gauge(
    "repository_raw_size_bytes",
    "Bytes the repository takes in storage (restic stats, raw-data), from its last health check.",
    REPOSITORY_LABELS,
  );
  private readonly repositorySnapshots = this.gauge(
    "repository_snapshots",
    "Snapshots in the repository, from its last health check.",
    REPOSITORY_LABELS,
  );

  private readonly replicaLeader = this.gauge(
    "replica_leader",
    "1 on the replica that does the work done once (lost-job sweeper, health refreshes, schedule and alert evaluation, deliveries), 0 on the others: across replicas the sum should be 1.",
    [],
  );
  private readonly replicasAlive = this.gauge(
    "replicas",
    "API replicas this one hears from on the shared database, itself included (1 on SQLite).",
    [],
  );
  private readonly agentsHere = this.gauge(
    "agents_connected",
    "Agents whose socket is connected to this replica.",
    [],
  );

  constructor(
    private readonly deps: {
      db: Db;
      agents: AgentRegistry;
      /** This process among the replicas; one process that leads when absent. */
      replica?: () => { leader: boolean; replicas: number };
      now?: () => number;
    },
  ) {
    this.recency = new BackupRecency(deps.db);
    this.now = deps.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry });
    // Every kind and outcome is present from the start, so rates work from the first job.
    for (const kind of JOB_KINDS) {
      for (const outcome of ZJobOutcome.options) this.jobsFinished.inc({ kind, outcome }, 0);
    }
  }

  /** Counts a job an agent reported finished; called from the JobService's afterFinish hook. */
  jobFinished(job: FinishedJob, report: TJobFinished): void {
    const labels = { kind: job.kind, outcome: report.outcome };
    this.jobsFinished.inc(labels);
    const started = job.startedAt ?? report.finishedAt;
    const seconds = (report.finishedAt.getTime() - started.getTime()) / 1000;
    this.jobDuration.observe(labels, Math.max(0, seconds));
    if (job.kind === "backup" && report.outcome === "succeeded" && job.backupSetId) {
      this.recency.record(job.backupSetId, report.finishedAt);
    }
  }

  /** The metrics in Prometheus's text format. */
  async render(): Promise<string> {
    this.scraping ??= this.scrape().finally(() => {
      this.scraping = undefined;
    });
    return this.scraping;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async scrape(): Promise<string> {
    const state = await readFleetState({ ...this.deps, recency: this.recency });
    this.show(state);
    return this.registry.metrics();
  }

  /** Replaces every fleet gauge at once, so deleted sets and repositories disappear. */
  private show(state: FleetState): void {
    const nowSeconds = this.now() / 1000;
    const replica = this.deps.replica?.() ?? { leader: true, replicas: 1 };
    this.replicaLeader.set(replica.leader ? 1 : 0);
    this.replicasAlive.set(replica.replicas);
    this.agentsHere.set(this.deps.agents.localSize);
    this.hosts.reset();
    this.hosts.set({ state: "online" }, state.hosts.online);
    this.hosts.set({ state: "offline" }, state.hosts.offline);

    this.lastSuccessTimestamp.reset();
    this.secondsSinceSuccess.reset();
    for (const set of state.backupSets) {
      if (!set.lastSuccess) continue;
      const labels = { backup_set_id: set.id, backup_set: set.name, host: set.host };
      const at = set.lastSuccess.getTime() / 1000;
      this.lastSuccessTimestamp.set(labels, at);
      this.secondsSinceSuccess.set(labels, Math.max(0, nowSeconds - at));
    }

    this.activeJobs.reset();
    for (const row of state.activeJobs) {
      this.activeJobs.set({ kind: row.kind, state: row.state }, row.count);
    }

    this.openAlerts.reset();
    for (const severity of ALERT_SEVERITIES) {
      for (const alertState of ["raised", "acknowledged"]) {
        this.openAlerts.set({ severity, state: alertState }, 0);
      }
    }
    for (const row of state.openAlerts) {
      this.openAlerts.set({ severity: row.severity, state: row.state }, row.count);
    }

    this.unsentDeliveries.reset();
    for (const deliveryState of ["pending", "held", "sending"]) {
      this.unsentDeliveries.set({ state: deliveryState }, 0);
    }
    for (const row of state.unsentDeliveries) {
      this.unsentDeliveries.set({ state: row.state }, row.count);
    }

    this.repositoryTotalSize.reset();
    this.repositoryRawSize.reset();
    this.repositorySnapshots.reset();
    for (const repository of state.repositories) {
      const labels = { repository_id: repository.id, repository: repository.name };
      if (repository.totalSize !== null) this.repositoryTotalSize.set(labels, repository.totalSize);
      if (repository.rawSize !== null) this.repositoryRawSize.set(labels, repository.rawSize);
      if (repository.snapshotCount !== null) {
        this.repositorySnapshots.set(labels, repository.snapshotCount);
      }
    }
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return new Gauge<L>({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }
}
