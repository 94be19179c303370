import { JOB_KIND_TRAITS, type TJobFinished, type TJobKind } from "@restic-manager/contracts";
import { directStatements } from "../db.js";
import type { ServerStatements } from "../statements.js";
import { type RepositoryDeps, refreshHealth, refreshHealthAfter } from "./health.js";

/**
 * What a finished job means for its repository: a set-up completes or is withdrawn, a health
 * or check result is recorded, and a change (JOB_KIND_TRAITS.changesRepository) triggers a
 * health refresh.
 */

/** What the reactions need of the repository, read with the server's own statement. */
interface RepositoryRow {
  id: string;
  name: string;
  status: string;
  healthRequestedAt: string | null;
}

interface Finished {
  deps: RepositoryDeps;
  sql: ServerStatements;
  job: { id: string; kind: TJobKind; createdAt: Date };
  repository: RepositoryRow;
  report: TJobFinished;
}

type Reaction = (finished: Finished) => Promise<void>;

/** The kinds whose results the repository keeps, each with what it records. */
const REACTIONS: Partial<Record<TJobKind, Reaction>> = {
  health: recordHealth,
  check: recordCheck,
};

export async function onRepositoryJobFinished(
  deps: RepositoryDeps,
  job: { id: string; kind: string; hostId: string; repositoryId: string | null; createdAt: Date },
  report: TJobFinished,
) {
  if (!job.repositoryId) return;
  // Every job of the fleet ends here: the server's own statement (see statements.ts).
  const sql = directStatements(deps.db);
  const repository = await sql.get<RepositoryRow>(
    `SELECT "id", "name", "status", "healthRequestedAt" FROM "Repository" WHERE "id" = ?`,
    job.repositoryId,
  );
  if (!repository) return;
  const kind = job.kind as TJobKind;
  const traits = JOB_KIND_TRAITS[kind];
  const finished = {
    deps,
    sql,
    job: { id: job.id, kind, createdAt: job.createdAt },
    repository,
    report,
  };
  if (repository.status === "pending" && traits.setsUpRepository) {
    await completeSetup(finished);
    return;
  }
  await REACTIONS[kind]?.(finished);
  if (report.outcome === "succeeded" && traits.changesRepository) {
    // The host that just changed it can read it: the refresh's choice after the maintenance host.
    await refreshHealth(deps, repository.id, job.hostId);
  }
}

/** init or adopt (cat-config) of a pending repository: ready, or withdrawn with the reason. */
async function completeSetup({ deps, job, repository, report }: Finished) {
  const { db } = deps;
  const result = report.result;
  const resticId =
    result?.kind === "init"
      ? result.repositoryId
      : result?.kind === "cat-config"
        ? result.config.id
        : null;
  const duplicate = resticId
    ? await db.repository.findUnique({ where: { resticId }, select: { name: true } })
    : null;
  if (report.outcome !== "succeeded" || !resticId || duplicate) {
    const reason = duplicate
      ? `this restic repository is already registered as "${duplicate.name}"`
      : (report.error ?? "the set-up job did not succeed");
    await db.job.update({
      where: { id: job.id },
      data: { error: `Registration withdrawn: ${reason}` },
    });
    await db.repository.delete({ where: { id: repository.id } });
    deps.logger.info({ event: "repository.withdrawn", repository: repository.name, reason });
    return;
  }
  await db.repository.update({
    where: { id: repository.id },
    data: { status: "ready", resticId, statusError: null },
  });
  await refreshHealth(deps, repository.id);
}

async function recordHealth({ deps, sql, job, repository, report }: Finished) {
  // A change raced this health job: it may have read the repository before it.
  const asked = repository.healthRequestedAt;
  if (asked && new Date(asked) > job.createdAt) {
    await sql.run(
      `UPDATE "Repository" SET "healthRequestedAt" = NULL WHERE "id" = ?`,
      repository.id,
    );
    await refreshHealthAfter(deps, repository.id, job.id);
  }
  const result = report.result;
  if (report.outcome !== "succeeded" || result?.kind !== "health") {
    await deps.db.repository.update({
      where: { id: repository.id },
      data: { healthError: report.error ?? "the health job failed", healthJobId: job.id },
    });
    return;
  }
  const at = report.finishedAt;
  await sql.transaction(async (tx) => {
    await tx.run(
      `UPDATE "Repository" SET "healthAt" = ?, "healthJobId" = ?, "healthError" = NULL,
         "snapshotCount" = ?, "totalSize" = ?, "rawSize" = ?, "uncompressedSize" = ?,
         "hostsJson" = ?, "locksJson" = ?, "updatedAt" = ?
       WHERE "id" = ?`,
      at,
      job.id,
      result.snapshotCount,
      result.totalSize,
      result.rawSize,
      result.uncompressedSize,
      JSON.stringify(result.hosts),
      JSON.stringify(result.locks),
      new Date(),
      repository.id,
    );
    await tx.run(
      `INSERT INTO "RepositoryStat" ("repositoryId", "at", "snapshotCount", "totalSize", "rawSize")
       VALUES (?, ?, ?, ?, ?)`,
      repository.id,
      at,
      result.snapshotCount,
      result.totalSize,
      result.rawSize,
    );
  });
}

async function recordCheck({ deps, job, repository, report }: Finished) {
  if (report.outcome === "cancelled") return;
  const result = report.result;
  const ok = report.outcome === "succeeded" && result?.kind === "check" && result.ok;
  await deps.db.repository.update({
    where: { id: repository.id },
    data: {
      lastCheckAt: report.finishedAt,
      lastCheckOk: ok,
      lastCheckJobId: job.id,
      ...(ok ? { lastCheckSuccessAt: report.finishedAt } : {}),
    },
  });
}
