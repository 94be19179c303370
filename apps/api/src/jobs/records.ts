import type { TJobFinished, TLogLine } from "@restic-manager/contracts";
import { type AuditRecord, insertAudit } from "../audit/service.js";
import type { Job } from "../generated/prisma/client.js";
import type { ServerStatements } from "../statements.js";

/**
 * The statements of a job's way through the server — made, sent, started, reported on,
 * finished — which run for every job of the fleet, on the server's own prepared statements
 * (see statements.ts: through Prisma each costs about 40 times as much). Times are written
 * as Prisma writes them, so Prisma reads these rows as its own.
 */

/** Log lines kept per job: the first HEAD and the most recent (MAX - HEAD). */
export const LOG_HEAD = 200;
export const LOG_MAX = 2000;

/** A job waiting to be sent, as a dispatch pass needs it. */
export interface PendingJob {
  id: string;
  hostId: string;
  kind: string;
  endpoint: string;
  repositoryId: string | null;
  scheduleId: string | null;
  params: string;
  state: "queued" | "dispatched";
  cancelRequested: boolean;
}

/** A repository's columns a job's command needs (all text). */
export interface RoutableRow {
  id: string;
  name: string;
  status: string;
  urlSealed: string;
  passwordSealed: string;
  envSealed: string | null;
  maintenanceHostId: string | null;
  maintenanceUrlSealed: string | null;
  maintenanceEnvSealed: string | null;
}

const ACTIVE = `'queued', 'dispatched', 'running'`;

export class JobRecords {
  constructor(private readonly sql: ServerStatements) {}

  /** A new job and, when someone asked for it, its audit row: both or neither. */
  insert(job: Job, audit: AuditRecord | undefined): Promise<void> {
    return this.sql.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO "Job" ("id", "hostId", "repositoryId", "kind", "endpoint", "backupSetId",
           "params", "state", "cancelRequested", "createdAt", "dispatchedAt", "createdByType",
           "createdById", "createdByName", "retryOfId", "scheduleId", "logLines")
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        job.id,
        job.hostId,
        job.repositoryId,
        job.kind,
        job.endpoint,
        job.backupSetId,
        job.params,
        job.state,
        false,
        job.createdAt,
        job.dispatchedAt,
        job.createdByType,
        job.createdById,
        job.createdByName,
        job.retryOfId,
        job.scheduleId,
      );
      if (audit) await insertAudit(tx, audit);
    });
  }

  /** The repository a job runs against, by id. */
  repository(id: string): Promise<RoutableRow | undefined> {
    return this.sql.get<RoutableRow>(
      `SELECT "id", "name", "status", "urlSealed", "passwordSealed", "envSealed",
         "maintenanceHostId", "maintenanceUrlSealed", "maintenanceEnvSealed"
       FROM "Repository" WHERE "id" = ?`,
      id,
    );
  }

  /** A host's jobs not yet started, oldest first. */
  async pendingOf(hostId: string): Promise<PendingJob[]> {
    const rows = await this.sql.all<
      Omit<PendingJob, "cancelRequested"> & { cancelRequested: number }
    >(
      `SELECT "id", "hostId", "kind", "endpoint", "repositoryId", "scheduleId", "params",
         "state", "cancelRequested"
       FROM "Job" WHERE "hostId" = ? AND "state" IN ('queued', 'dispatched')
       ORDER BY "createdAt"`,
      hostId,
    );
    return rows.map((row) => ({ ...row, cancelRequested: row.cancelRequested === 1 }));
  }

  /** Marks a queued job sent; false when it was cancelled or sent meanwhile. */
  async markDispatched(id: string, at: Date): Promise<boolean> {
    const { changes } = await this.sql.run(
      `UPDATE "Job" SET "state" = 'dispatched', "dispatchedAt" = ?
       WHERE "id" = ? AND "state" = 'queued'`,
      at,
      id,
    );
    return changes === 1;
  }

  /** Marks a job running; false when it had already started or ended. */
  async markStarted(id: string, at: Date): Promise<boolean> {
    const { changes } = await this.sql.run(
      `UPDATE "Job" SET "state" = 'running', "startedAt" = ?
       WHERE "id" = ? AND "state" IN ('queued', 'dispatched')`,
      at,
      id,
    );
    return changes === 1;
  }

  /** Keeps a running job's latest progress sample. */
  async storeProgress(id: string, progress: string): Promise<void> {
    await this.sql.run(`UPDATE "Job" SET "progress" = ? WHERE "id" = ?`, progress, id);
  }

  /**
   * Records a job's result unless it already ended (a second delivery of the same report); a
   * backup's result is its host's latest too. False when nothing was recorded.
   */
  finish(
    job: { id: string; hostId: string; kind: string; startedAt: Date | null },
    report: TJobFinished,
  ): Promise<boolean> {
    const finishedAt = report.finishedAt;
    return this.sql.transaction(async (tx) => {
      const { changes } = await tx.run(
        `UPDATE "Job" SET "state" = ?, "exitCode" = ?, "error" = ?, "result" = ?,
           "finishedAt" = ?, "startedAt" = ?
         WHERE "id" = ? AND "state" IN (${ACTIVE}, 'lost')`,
        report.outcome,
        report.exitCode,
        report.error,
        report.result === undefined ? null : JSON.stringify(report.result),
        finishedAt,
        job.startedAt ?? finishedAt,
        job.id,
      );
      if (changes === 1 && job.kind === "backup") {
        await tx.run(
          `UPDATE "Host" SET "lastBackupAt" = ?, "lastBackupState" = ?, "lastBackupJobId" = ?
           WHERE "id" = ?`,
          finishedAt,
          report.outcome,
          job.id,
          job.hostId,
        );
      }
      return changes === 1;
    });
  }

  /** Ids of a host's jobs marked running before `before`. */
  async runningBefore(hostId: string, before: Date): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(
      `SELECT "id" FROM "Job" WHERE "hostId" = ? AND "state" = 'running' AND "startedAt" < ?`,
      hostId,
      before,
    );
    return rows.map((row) => row.id);
  }

  /**
   * Appends log lines to a job; past LOG_MAX the middle goes (the head shows how it started,
   * the tail how it ended), in one statement along the (jobId, id) index.
   */
  appendLog(jobId: string, lines: TLogLine[]): Promise<void> {
    return this.sql.transaction(async (tx) => {
      for (const line of lines) {
        await tx.run(
          `INSERT INTO "JobLog" ("jobId", "at", "stream", "line") VALUES (?, ?, ?, ?)`,
          jobId,
          line.at,
          line.stream,
          line.line,
        );
      }
      const counted = await tx.get<{ logLines: number }>(
        `UPDATE "Job" SET "logLines" = "logLines" + ? WHERE "id" = ? RETURNING "logLines"`,
        lines.length,
        jobId,
      );
      if (!counted) return;
      // Lines are only ever removed here, down to LOG_MAX: the count kept follows from the total.
      const kept = Math.min(counted.logLines - lines.length, LOG_MAX) + lines.length;
      if (kept > LOG_MAX) {
        await tx.run(
          `DELETE FROM "JobLog" WHERE "id" IN (
             SELECT "id" FROM "JobLog" WHERE "jobId" = ? ORDER BY "id" LIMIT ? OFFSET ?)`,
          jobId,
          kept - LOG_MAX,
          LOG_HEAD,
        );
      }
    });
  }
}
