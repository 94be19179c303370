import { JOB_STATES, narrow } from "@restic-manager/contracts";
import type { AlertService } from "../alerts/service.js";
import type { Db } from "../db.js";
import { presentLastDrill, SET_WITH_DRILL_FIELDS } from "../drills/service.js";
import type { AgentRegistry } from "../hosts/registry.js";
import { listJobs, summariseJobs } from "../jobs/queries.js";
import type { ScheduleService } from "../schedules/service.js";

/**
 * Everything the dashboard shows, in one call whose size and cost do not grow with the fleet:
 * counts are index ranges bounded by what they count (active jobs, failures of the last day,
 * hosts needing attention), and every list is its first few rows on an index, with a total.
 */

export const DASHBOARD_LIMITS = {
  attention: 10,
  latestJobs: 5,
  repositories: 20,
  appendOnlyHosts: 10,
  missedRuns: 10,
  drills: 10,
  alerts: 5,
} as const;

const STALE_AFTER_MS = 86_400_000;

/** A host's last backup state that needs attention: anything but success. */
const NOT_SUCCEEDED = JOB_STATES.filter((state) => state !== "succeeded");

export interface DashboardDeps {
  db: Db;
  agents: AgentRegistry;
  schedules: ScheduleService;
  alerts: AlertService;
}

export async function dashboardSummary(deps: DashboardDeps, now = new Date()) {
  const { db } = deps;
  const activeHosts = await db.host.count({ where: { revokedAt: null } });
  // Revoked and deleted hosts are disconnected at once, so every live agent is an active host.
  const online = Math.min(deps.agents.size, activeHosts);
  const [jobs, attention, latest, repositories, missed, drills, alerts, alertCounts] =
    await Promise.all([
      summariseJobs(db, now),
      hostsNeedingAttention(db, now),
      listJobs(db, { limit: DASHBOARD_LIMITS.latestJobs }),
      repositoriesOverview(db),
      deps.schedules.listMisses({ limit: DASHBOARD_LIMITS.missedRuns }),
      latestDrills(db),
      deps.alerts.list({ state: "open", limit: DASHBOARD_LIMITS.alerts }),
      deps.alerts.openCounts(),
    ]);
  return {
    hosts: { total: activeHosts, online, offline: activeHosts - online },
    jobs,
    attention,
    latestJobs: latest.items,
    repositories,
    missedRuns: missed.items,
    drills,
    alerts: { items: alerts.items, counts: alertCounts },
  };
}

const ATTENTION_FIELDS = {
  id: true,
  name: true,
  lastBackupAt: true,
  lastBackupState: true,
  lastBackupJobId: true,
} as const;

/**
 * Active hosts with no backup yet, whose last backup did not succeed, or whose last success is
 * over a day old: the total, and the first few (never backed up, then failing, then the
 * oldest successes). Each part is a range of the (revokedAt, lastBackupState, lastBackupAt)
 * index, so the cost follows the number of such hosts, not the fleet.
 */
export async function hostsNeedingAttention(db: Db, now: Date) {
  const limit = DASHBOARD_LIMITS.attention;
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS);
  const none = { revokedAt: null, lastBackupState: null };
  const failing = { revokedAt: null, lastBackupState: { in: NOT_SUCCEEDED } };
  const stale = {
    revokedAt: null,
    lastBackupState: "succeeded",
    lastBackupAt: { lt: staleBefore },
  };
  const [noneCount, failingCount, staleCount] = await Promise.all([
    db.host.count({ where: none }),
    db.host.count({ where: failing }),
    db.host.count({ where: stale }),
  ]);
  const order = [{ lastBackupAt: "asc" as const }, { id: "asc" as const }];
  const rows = [];
  if (noneCount > 0) {
    rows.push(
      ...(await db.host.findMany({
        where: none,
        orderBy: order,
        take: limit,
        select: ATTENTION_FIELDS,
      })),
    );
  }
  // One range per failed state keeps each in index order (an IN list would need a sort).
  for (const state of NOT_SUCCEEDED) {
    if (rows.length >= limit || failingCount === 0) break;
    rows.push(
      ...(await db.host.findMany({
        where: { revokedAt: null, lastBackupState: state },
        orderBy: order,
        take: limit - rows.length,
        select: ATTENTION_FIELDS,
      })),
    );
  }
  if (rows.length < limit && staleCount > 0) {
    rows.push(
      ...(await db.host.findMany({
        where: stale,
        orderBy: order,
        take: limit - rows.length,
        select: ATTENTION_FIELDS,
      })),
    );
  }
  return {
    total: noneCount + failingCount + staleCount,
    items: rows.map((row) => ({
      ...row,
      lastBackupState:
        row.lastBackupState === null ? null : narrow(JOB_STATES, row.lastBackupState),
      reason: attentionReason(row, staleBefore),
    })),
  };
}

function attentionReason(
  host: { lastBackupAt: Date | null; lastBackupState: string | null },
  staleBefore: Date,
): string {
  if (!host.lastBackupState || !host.lastBackupAt) return "no backup yet";
  if (host.lastBackupState !== "succeeded") return `last backup ${host.lastBackupState}`;
  if (host.lastBackupAt < staleBefore) return "last backup over 24 h ago";
  return "";
}

/**
 * The first repositories by name with their health, and the hosts that back up with
 * append-only access while maintaining no repository (the first few by name).
 */
export async function repositoriesOverview(db: Db) {
  const [total, rows, maintainers] = await Promise.all([
    db.repository.count(),
    db.repository.findMany({
      orderBy: [{ name: "asc" }, { id: "asc" }],
      take: DASHBOARD_LIMITS.repositories,
      select: {
        id: true,
        name: true,
        status: true,
        totalSize: true,
        rawSize: true,
        snapshotCount: true,
        lastCheckAt: true,
        lastCheckOk: true,
        lastCheckSuccessAt: true,
        locksJson: true,
        maintenanceHostId: true,
      },
    }),
    // Repositories are few (tens), unlike hosts: their maintenance hosts are read whole.
    db.repository.findMany({
      where: { maintenanceHostId: { not: null } },
      select: { maintenanceHostId: true },
    }),
  ]);
  const maintainerIds = [
    ...new Set(
      maintainers.flatMap((row) => (row.maintenanceHostId ? [row.maintenanceHostId] : [])),
    ),
  ];
  const appendOnly = await db.host.findMany({
    where: { revokedAt: null, id: { notIn: maintainerIds }, backupSets: { some: {} } },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: DASHBOARD_LIMITS.appendOnlyHosts + 1,
    select: { id: true, name: true },
  });
  return {
    total,
    items: rows.map(({ locksJson, ...row }) => ({
      ...row,
      staleLocks: staleLockCount(locksJson),
      dedupRatio: row.totalSize && row.rawSize ? row.totalSize / row.rawSize : null,
    })),
    appendOnlyHosts: {
      items: appendOnly.slice(0, DASHBOARD_LIMITS.appendOnlyHosts),
      more: appendOnly.length > DASHBOARD_LIMITS.appendOnlyHosts,
    },
  };
}

function staleLockCount(locksJson: string | null): number {
  if (!locksJson) return 0;
  const locks = JSON.parse(locksJson) as Array<{ stale?: boolean }>;
  return locks.filter((lock) => lock.stale === true).length;
}

/** The backup sets drilled most recently, with their latest drill, and how many were drilled. */
export async function latestDrills(db: Db) {
  const drilled = { lastDrillAt: { not: null } };
  const [total, rows] = await Promise.all([
    db.backupSet.count({ where: drilled }),
    db.backupSet.findMany({
      where: drilled,
      orderBy: [{ lastDrillAt: "desc" }, { id: "desc" }],
      take: DASHBOARD_LIMITS.drills,
      select: SET_WITH_DRILL_FIELDS,
    }),
  ]);
  return {
    total,
    items: rows.map((row) => ({
      id: row.id,
      name: row.name,
      hostId: row.hostId,
      hostName: row.host.name,
      lastDrill: presentLastDrill(row),
    })),
  };
}
