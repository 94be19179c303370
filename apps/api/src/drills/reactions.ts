import type { TJobFinished } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";

const SET_TAG = /^rm-set:(.+)$/;

/** The set a drill started by hand (jobs.create) was about: the one its tag filter names. */
async function setOfDrillParams(db: Db, jobId: string): Promise<string | null> {
  const job = await db.job.findUnique({ where: { id: jobId }, select: { params: true } });
  const tags = (JSON.parse(job?.params ?? "{}") as { tags?: unknown }).tags;
  if (!Array.isArray(tags) || tags.length !== 1) return null;
  return SET_TAG.exec(String(tags[0]))?.[1] ?? null;
}

/**
 * When a drill ends, its set records it: when, which job, and whether it passed. A drill of a
 * schedule or a set names its set; one started by hand is matched by its tag, in the same
 * repository. A report that arrives late (the agent was away) never replaces a newer drill.
 */
export async function onDrillFinished(
  deps: { db: Db; logger: Logger },
  job: { id: string; kind: string; repositoryId: string | null; backupSetId: string | null },
  report: TJobFinished,
): Promise<void> {
  if (job.kind !== "drill" || report.outcome === "cancelled" || !job.repositoryId) return;
  const backupSetId = job.backupSetId ?? (await setOfDrillParams(deps.db, job.id));
  if (!backupSetId) return;
  const { count } = await deps.db.backupSet.updateMany({
    where: {
      id: backupSetId,
      repositoryId: job.repositoryId,
      OR: [{ lastDrillAt: null }, { lastDrillAt: { lte: report.finishedAt } }],
    },
    data: {
      lastDrillAt: report.finishedAt,
      lastDrillJobId: job.id,
      lastDrillState: report.outcome,
    },
  });
  if (report.outcome === "succeeded") {
    await deps.db.backupSet.updateMany({
      where: {
        id: backupSetId,
        OR: [{ lastDrillSuccessAt: null }, { lastDrillSuccessAt: { lte: report.finishedAt } }],
      },
      data: { lastDrillSuccessAt: report.finishedAt },
    });
  }
  if (count === 1) {
    deps.logger.info({
      event: "drill.recorded",
      backupSetId,
      jobId: job.id,
      outcome: report.outcome,
    });
  }
}
