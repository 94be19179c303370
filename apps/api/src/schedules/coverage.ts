import { JOB_STATES, narrow, ZScheduleOptions } from "@restic-manager/contracts";
import type { Db } from "../db.js";

/** Which part of `n/N` a check read, when it read one of N parts. */
function partOf(params: string, parts: number): number | null {
  const subset = (JSON.parse(params) as { readDataSubset?: unknown }).readDataSubset;
  if (typeof subset !== "string") return null;
  const match = subset.match(/^(\d+)\/(\d+)$/);
  return match && Number(match[2]) === parts ? Number(match[1]) : null;
}

/**
 * How much of a repository's data its rotating checks have read: per check schedule, when each
 * of its N parts was last read by a successful check, and the parts never read yet. Reads a
 * bounded window of each schedule's runs (the latest few rounds), on the (scheduleId, createdAt)
 * index.
 */
export async function checkCoverage(db: Db, repositoryId: string) {
  const schedules = await db.schedule.findMany({
    where: { repositoryId, kind: "check" },
    select: { id: true, options: true, paused: true },
  });
  const coverage = [];
  for (const schedule of schedules) {
    const parts = ZScheduleOptions.parse(JSON.parse(schedule.options)).readDataParts ?? null;
    const runs = await db.job.findMany({
      where: { scheduleId: schedule.id },
      orderBy: { createdAt: "desc" },
      take: Math.max(10, (parts ?? 1) * 4),
      select: { id: true, state: true, params: true, finishedAt: true, createdAt: true },
    });
    const lastRead = new Map<number, { at: Date; jobId: string }>();
    if (parts) {
      for (const run of runs) {
        if (run.state !== "succeeded") continue;
        const part = partOf(run.params, parts);
        if (part !== null && !lastRead.has(part)) {
          lastRead.set(part, { at: run.finishedAt ?? run.createdAt, jobId: run.id });
        }
      }
    }
    const unread: number[] = [];
    for (let part = 1; parts && part <= parts; part++) if (!lastRead.has(part)) unread.push(part);
    const oldest = [...lastRead.values()].reduce<Date | null>(
      (min, read) => (min === null || read.at < min ? read.at : min),
      null,
    );
    const last = runs[0];
    coverage.push({
      scheduleId: schedule.id,
      paused: schedule.paused,
      parts,
      partsRead: [...lastRead.entries()]
        .map(([part, read]) => ({ part, ...read }))
        .sort((a, b) => a.part - b.part),
      unread,
      /** Every byte was read by a check since this time; null while some part is unread. */
      allDataReadSince: parts && unread.length === 0 ? oldest : null,
      lastRun: last
        ? {
            jobId: last.id,
            state: narrow(JOB_STATES, last.state),
            at: last.finishedAt ?? last.createdAt,
          }
        : null,
    });
  }
  return coverage;
}
