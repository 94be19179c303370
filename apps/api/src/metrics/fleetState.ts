import type { Db } from "../db.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { BackupRecency } from "./backupRecency.js";

/** Jobs still on their way; finished ones are counted as they finish (see FleetMetrics). */
const ACTIVE_JOB_STATES = ["queued", "dispatched", "running"];
const OPEN_ALERT_STATES = ["raised", "acknowledged"];
/** Deliveries not yet sent: waiting for the worker, held for a digest, or being sent. */
const UNSENT_DELIVERY_STATES = ["pending", "held", "sending"];
const SET_PAGE = 1000;

export interface FleetState {
  hosts: { online: number; offline: number };
  backupSets: Array<{ id: string; name: string; host: string; lastSuccess: Date | undefined }>;
  activeJobs: Array<{ kind: string; state: string; count: number }>;
  openAlerts: Array<{ severity: string; state: string; count: number }>;
  unsentDeliveries: Array<{ state: string; count: number }>;
  repositories: Array<{
    id: string;
    name: string;
    totalSize: number | null;
    rawSize: number | null;
    snapshotCount: number | null;
  }>;
}

/**
 * What a scrape reports about the fleet. Every query is bounded by what it reports or by a
 * state index: open alerts, unsent deliveries and active jobs are found through their `state`
 * indexes, never by scanning history; online hosts come from the agent registry in memory.
 */
export async function readFleetState(deps: {
  db: Db;
  agents: AgentRegistry;
  recency: BackupRecency;
}): Promise<FleetState> {
  const { db, agents } = deps;
  const enrolled = await db.host.count({ where: { revokedAt: null } });
  const online = Math.min(agents.size, enrolled);
  const activeJobs = await db.job.groupBy({
    by: ["kind", "state"],
    where: { state: { in: ACTIVE_JOB_STATES } },
    _count: { _all: true },
  });
  const openAlerts = await db.alert.groupBy({
    by: ["severity", "state"],
    where: { state: { in: OPEN_ALERT_STATES } },
    _count: { _all: true },
  });
  const unsentDeliveries = await db.alertDelivery.groupBy({
    by: ["state"],
    where: { state: { in: UNSENT_DELIVERY_STATES } },
    _count: { _all: true },
  });
  const repositories = await db.repository.findMany({
    select: { id: true, name: true, totalSize: true, rawSize: true, snapshotCount: true },
    orderBy: { name: "asc" },
  });
  return {
    hosts: { online, offline: enrolled - online },
    backupSets: await readBackupSets(deps),
    activeJobs: activeJobs.map((row) => ({ ...row, count: row._count._all })),
    openAlerts: openAlerts.map((row) => ({ ...row, count: row._count._all })),
    unsentDeliveries: unsentDeliveries.map((row) => ({ state: row.state, count: row._count._all })),
    repositories,
  };
}

/** Every backup set with its last success, read a page at a time (keyset on id). */
async function readBackupSets(deps: { db: Db; recency: BackupRecency }) {
  const sets: FleetState["backupSets"] = [];
  let after: string | undefined;
  for (;;) {
    const page = await deps.db.backupSet.findMany({
      where: after === undefined ? {} : { id: { gt: after } },
      select: { id: true, name: true, host: { select: { name: true } } },
      orderBy: { id: "asc" },
      take: SET_PAGE,
    });
    for (const set of page) {
      sets.push({
        id: set.id,
        name: set.name,
        host: set.host.name,
        lastSuccess: await deps.recency.lastSuccessOf(set),
      });
    }
    if (page.length < SET_PAGE) break;
    after = page.at(-1)?.id;
  }
  deps.recency.retain(new Set(sets.map((set) => set.id)));
  return sets;
}
