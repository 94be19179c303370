import type { Db } from "../db.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { JobService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { Keyring } from "../secrets/keyring.js";

/** What keeping repositories' health fresh needs: it starts jobs. */
/** Backup sets whose hosts are considered for a health job, besides the maintenance host. */
const HEALTH_CANDIDATE_SETS = 20;

export interface RepositoryDeps {
  db: Db;
  keyring: Keyring;
  jobs: JobService;
  agents: AgentRegistry;
  logger: Logger;
}

/**
 * Starts a health job unless one is already on its way. It runs on the maintenance host if
 * there is one, else on a host that backs up here (online ones first): reading is allowed
 * through the append-only endpoint too.
 */
export async function refreshHealth(
  deps: RepositoryDeps,
  repositoryId: string,
  /** A host known to reach the repository, tried after the maintenance host (e.g. the one that just backed up). */
  preferredHostId?: string,
) {
  const { db, agents } = deps;
  const repository = await db.repository.findUnique({
    where: { id: repositoryId },
    select: { status: true, maintenanceHostId: true },
  });
  if (repository?.status !== "ready") return undefined;
  const active = await deps.jobs.activeOn(repositoryId, "health");
  if (active) {
    // It may have read the repository before this change: run again once it ends.
    await db.repository.update({
      where: { id: repositoryId },
      data: { healthRequestedAt: new Date() },
    });
    return active;
  }
  // A few candidates, not every host of a repository thousands back up to.
  const sets = await db.backupSet.findMany({
    where: { repositoryId },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: { hostId: true },
    take: HEALTH_CANDIDATE_SETS,
  });
  const lastJob = await db.job.findFirst({
    where: { repositoryId },
    orderBy: { createdAt: "desc" },
    select: { hostId: true },
  });
  const candidates = [
    ...new Set(
      [
        repository.maintenanceHostId,
        preferredHostId,
        ...sets.map((s) => s.hostId),
        lastJob?.hostId,
      ].filter((id): id is string => typeof id === "string"),
    ),
  ];
  const hosts = await db.host.findMany({ where: { id: { in: candidates }, revokedAt: null } });
  const usable = candidates
    .map((id) => hosts.find((h) => h.id === id))
    .filter((h): h is NonNullable<typeof h> => h !== undefined);
  const host = usable.find((h) => agents.isOnline(h.id)) ?? usable[0];
  if (!host) return undefined;
  const job = await deps.jobs.create(
    { hostId: host.id, repositoryId, params: { kind: "health" } },
    { type: "system", name: "health" },
  );
  return job.id;
}

/** A new health job once the one that just ended is out of the way. */
export async function refreshHealthAfter(
  deps: RepositoryDeps,
  repositoryId: string,
  endedJobId: string,
) {
  const stillActive = await deps.jobs.activeOn(repositoryId, "health", endedJobId);
  if (!stillActive) await refreshHealth(deps, repositoryId);
}

/** Refreshes every ready repository whose health is older than maxAgeMs. */
export async function refreshStaleHealth(deps: RepositoryDeps, maxAgeMs: number) {
  const threshold = new Date(Date.now() - maxAgeMs);
  const stale = await deps.db.repository.findMany({
    where: { status: "ready", OR: [{ healthAt: null }, { healthAt: { lt: threshold } }] },
    select: { id: true },
  });
  for (const { id } of stale) await refreshHealth(deps, id);
}
