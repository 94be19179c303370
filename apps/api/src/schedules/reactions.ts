import type { TJobFinished } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { JobService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import { forgetParams, parseRetention } from "./service.js";

/**
 * After a successful backup of a set that asks for it, its retention is applied at once: a
 * forget of the set's own snapshots on the repository's maintenance host.
 */
export async function onScheduledJobFinished(
  deps: { db: Db; jobs: JobService; logger: Logger },
  job: { id: string; kind: string; backupSetId?: string | null },
  report: TJobFinished,
): Promise<void> {
  if (job.kind !== "backup" || report.outcome !== "succeeded" || !job.backupSetId) return;
  const set = await deps.db.backupSet.findUnique({
    where: { id: job.backupSetId },
    include: { repository: { select: { maintenanceHostId: true, name: true } } },
  });
  if (!set?.forgetAfterBackup) return;
  const policy = parseRetention(set.retention);
  const maintenanceHostId = set.repository.maintenanceHostId;
  if (!policy || !maintenanceHostId) {
    deps.logger.warn({
      event: "retention.not_applied",
      backupSetId: set.id,
      reason: policy ? "the repository has no maintenance host" : "no retention policy",
    });
    return;
  }
  await deps.jobs.create(
    {
      hostId: maintenanceHostId,
      repositoryId: set.repositoryId,
      params: forgetParams(set, policy),
    },
    { type: "schedule", name: `retention of ${set.name}` },
    undefined,
    { backupSetId: set.id },
  );
}
