import { type Db, directStatements } from "../db.js";
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
  // Every backup asks for this: the server's own statements (see statements.ts), not Prisma.
  const sql = directStatements(db);
  const repository = await sql.get<{
    status: string;
    maintenanceHostId: string | null;
    healthRequestedAt: string | null;
  }>(
    `SELECT "status", "maintenanceHostId", "healthRequestedAt" FROM "Repository" WHERE "id" = ?`,
    repositoryId,
  );
  if (repository?.status !== "ready") return undefined;
  const active = await deps.jobs.activeOn(repositoryId, "health");
  if (active) {
    // It may have read the repository before this change: run again once it ends. Asked once
    // since it was made is enough (a fleet's backups into one repository ask many times a second).
    const asked = repository.healthRequestedAt;
    if (!asked || new Date(asked) <= active.createdAt) {
      await sql.run(
        `UPDATE "Repository" SET "healthRequestedAt" = ? WHERE "id" = ?`,
        new Date(),
        repositoryId,
      );
    }
    return active.id;
  }
  // A few candidates, not every host of a repository thousands back up to.
  const sets = await sql.all<{ hostId: string }>(
    `SELECT "hostId" FROM "BackupSet" WHERE "repositoryId" = ?
     ORDER BY "name", "id" LIMIT ${HEALTH_CANDIDATE_SETS}`,
    repositoryId,
  );
  const lastJob = await sql.get<{ hostId: string }>(
    `SELECT "hostId" FROM "Job" WHERE "repositoryId" = ? ORDER BY "createdAt" DESC LIMIT 1`,
    repositoryId,
  );
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
  const hosts = await db.host.findMany({
    where: { id: { in: candidates }, revokedAt: null },
    select: { id: true },
    take: candidates.length,
  });
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
