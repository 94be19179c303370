import { JOB_KINDS, JOB_STATES, narrow } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { afterKeyset, decodeCursorOf, keysetOrder, pageOf } from "../pagination.js";
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

/**
 * A page of jobs, newest first. Each filter the web app offers has an index that starts with
 * it and ends with (createdAt, id), so a page is one index range however deep it is.
 */
export async function listJobs(db: Db, filter: JobFilter) {
  const after = decodeCursorOf(filter.cursor, "date");
  const where: Prisma.JobWhereInput = {
    hostId: filter.hostId,
    kind: filter.kind,
    state: filter.state,
    createdAt: filter.from || filter.to ? { gte: filter.from, lte: filter.to } : undefined,
    ...afterKeyset("createdAt", "desc", after),
  };
  const rows = await db.job.findMany({
    where,
    orderBy: keysetOrder("createdAt", "desc"),
    take: filter.limit + 1,
    select: LIST_FIELDS,
  });
  const { page, nextCursor } = pageOf(rows, filter.limit, (row) => row.createdAt);
  return {
    items: page.map(({ host, repository, progress, ...job }) => ({
      ...job,
      ...narrowJob(job),
      hostName: host.name,
      repositoryName: repository?.name ?? null,
      progress: parseJson(progress),
    })),
    nextCursor: nextCursor ?? undefined,
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

/**
 * Counts for an overview, each a window on an index rather than a pass over every job: active
 * jobs by state (bounded by what is running and waiting) and failures finished in the last day
 * (a range of the (state, finishedAt) index).
 */
export async function summariseJobs(db: Db, now = new Date()) {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const [queued, running, failedLastDay] = await Promise.all([
    db.job.count({ where: { state: { in: ["queued", "dispatched"] } } }),
    db.job.count({ where: { state: "running" } }),
    db.job.count({ where: { state: { in: ["failed", "lost"] }, finishedAt: { gte: dayAgo } } }),
  ]);
  return { queued, running, failedLastDay };
}
