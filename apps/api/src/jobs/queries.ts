import { JOB_KINDS, JOB_STATES, narrow } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { ENDPOINTS } from "./routing.js";

export interface JobFilter {
  hostId?: string | undefined;
  kind?: string | undefined;
  state?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The unions a job's text columns hold. */
function narrowJob(job: { kind: string; state: string; endpoint: string }) {
  return {
    kind: narrow(JOB_KINDS, job.kind),
    state: narrow(JOB_STATES, job.state),
    endpoint: narrow(ENDPOINTS, job.endpoint),
  };
}

function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

const LIST_FIELDS = {
  id: true,
  hostId: true,
  repositoryId: true,
  kind: true,
  endpoint: true,
  backupSetId: true,
  state: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  createdByType: true,
  createdByName: true,
  exitCode: true,
  error: true,
  progress: true,
  retryOfId: true,
  scheduleId: true,
  scheduledFor: true,
  host: { select: { name: true } },
  repository: { select: { name: true } },
} as const;

export async function listJobs(db: Db, filter: JobFilter) {
  const where: Prisma.JobWhereInput = {
    hostId: filter.hostId,
    kind: filter.kind,
    state: filter.state,
    createdAt: filter.from || filter.to ? { gte: filter.from, lte: filter.to } : undefined,
  };
  const rows = await db.job.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: filter.limit + 1,
    ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
    select: LIST_FIELDS,
  });
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map(({ host, repository, progress, ...job }) => ({
      ...job,
      ...narrowJob(job),
      hostName: host.name,
      repositoryName: repository?.name ?? null,
      progress: parseJson(progress),
    })),
    nextCursor: rows.length > filter.limit ? page.at(-1)?.id : undefined,
  };
}

export async function getJob(db: Db, id: string) {
  const job = await db.job.findUnique({
    where: { id },
    select: {
      ...LIST_FIELDS,
      params: true,
      result: true,
      dispatchedAt: true,
      cancelRequested: true,
      logLines: true,
      logs: { orderBy: { id: "asc" }, select: { id: true, at: true, stream: true, line: true } },
    },
  });
  if (!job) throw new AppError("NOT_FOUND", "No such job");
  const { host, repository, progress, params, result, ...rest } = job;
  return {
    ...rest,
    ...narrowJob(rest),
    hostName: host.name,
    repositoryName: repository?.name ?? null,
    progress: parseJson(progress),
    params: parseJson(params) as Record<string, unknown>,
    result: parseJson(result),
  };
}

/** Counts for an overview: jobs by state, and failures in the last day. */
export async function summariseJobs(db: Db, now = new Date()) {
  const byState = await db.job.groupBy({ by: ["state"], _count: { _all: true } });
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const failedLastDay = await db.job.count({
    where: { state: { in: ["failed", "lost"] }, finishedAt: { gte: dayAgo } },
  });
  const counts = Object.fromEntries(byState.map((row) => [row.state, row._count._all]));
  return {
    queued: (counts.queued ?? 0) + (counts.dispatched ?? 0),
    running: counts.running ?? 0,
    failedLastDay,
    byState: counts as Record<string, number>,
  };
}
