import { JOB_KIND_TRAITS, type TJobFinished, type TJobKind } from "@restic-manager/contracts";
import type { Prisma } from "../generated/prisma/client.js";
import { type RepositoryDeps, refreshHealth, refreshHealthAfter } from "./health.js";

/**
 * What a finished job means for its repository: a set-up completes or is withdrawn, a health
 * or check result is recorded, and a change (JOB_KIND_TRAITS.changesRepository) triggers a
 * health refresh.
 */

interface Finished {
  deps: RepositoryDeps;
  job: { id: string; kind: TJobKind };
  repository: Prisma.RepositoryGetPayload<object>;
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
  job: { id: string; kind: string; hostId: string; repositoryId: string | null },
  report: TJobFinished,
) {
  if (!job.repositoryId) return;
  const repository = await deps.db.repository.findUnique({ where: { id: job.repositoryId } });
  if (!repository) return;
  const kind = job.kind as TJobKind;
  const traits = JOB_KIND_TRAITS[kind];
  const finished = { deps, job: { id: job.id, kind }, repository, report };
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

async function recordHealth({ deps, job, repository, report }: Finished) {
  const { db } = deps;
  const created = await db.job.findUnique({ where: { id: job.id }, select: { createdAt: true } });
  // A change raced this health job: it may have read the repository before it.
  if (repository.healthRequestedAt && created && repository.healthRequestedAt > created.createdAt) {
    await db.repository.update({
      where: { id: repository.id },
      data: { healthRequestedAt: null },
    });
    await refreshHealthAfter(deps, repository.id, job.id);
  }
  const result = report.result;
  if (report.outcome !== "succeeded" || result?.kind !== "health") {
    await db.repository.update({
      where: { id: repository.id },
      data: { healthError: report.error ?? "the health job failed", healthJobId: job.id },
    });
    return;
  }
  const at = report.finishedAt;
  await db.$transaction([
    db.repository.update({
      where: { id: repository.id },
      data: {
        healthAt: at,
        healthJobId: job.id,
        healthError: null,
        snapshotCount: result.snapshotCount,
        totalSize: result.totalSize,
        rawSize: result.rawSize,
        uncompressedSize: result.uncompressedSize,
        hostsJson: JSON.stringify(result.hosts),
        locksJson: JSON.stringify(result.locks),
      },
    }),
    db.repositoryStat.create({
      data: {
        repositoryId: repository.id,
        at,
        snapshotCount: result.snapshotCount,
        totalSize: result.totalSize,
        rawSize: result.rawSize,
      },
    }),
  ]);
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
