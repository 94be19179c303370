import { ALERT_KINDS, JOB_KINDS } from "@restic-manager/contracts";
import type { RawDb } from "./queryPlans.js";

/**
 * A large fleet's database, written with raw prepared inserts in one transaction (a few
 * seconds), then ANALYZEd so the planner makes the choices it makes on a real one.
 */
export const FLEET = {
  hosts: 10_000,
  jobsPerHost: 20,
  repositories: 5,
  /** Repositories of one host each (a fleet that gives every host its own), and its one set. */
  soloRepositories: 2_000,
  missesPerSchedule: 2,
  alerts: 20_000,
  auditEvents: 50_000,
  enrollments: 300,
  revokedHosts: 50,
} as const;

export const SEED_START = Date.parse("2026-01-01T00:00:00.000Z");
const MINUTE = 60_000;

const pad = (n: number) => String(n).padStart(6, "0");
export const hostId = (i: number) => `host${pad(i)}`;
export const hostName = (i: number) => `host-${pad(i)}`;
export const repositoryId = (i: number) => `repo${pad(i)}`;
export const setId = (i: number) => `set${pad(i)}`;
export const soloRepositoryId = (i: number) => `solo${pad(i)}`;
export const soloRepositoryName = (i: number) => `solo-${pad(i)}`;
export const soloSetId = (i: number) => `soloset${pad(i)}`;
export const scheduleId = (i: number) => `sched${pad(i)}`;
const iso = (ms: number) => new Date(ms).toISOString();

export function seedFleet(raw: RawDb, now: number): void {
  raw.transaction(() => {
    const insertRepository = raw.prepare(
      `INSERT INTO Repository (id, name, displayUrl, urlSealed, passwordSealed, status,
         maintenanceHostId, createdAt, updatedAt, snapshotCount, totalSize, rawSize, locksJson)
       VALUES (?, ?, ?, 'x', 'x', 'ready', ?, ?, ?, 100, 2e9, 1e9, '[]')`,
    );
    for (let r = 0; r < FLEET.repositories; r++) {
      const at = iso(SEED_START);
      insertRepository.run(repositoryId(r), `repo-${r}`, `rest:https://r${r}/`, null, at, at);
    }

    const insertHost = raw.prepare(
      `INSERT INTO Host (id, name, hostname, os, credentialHash, createdAt, revokedAt,
         lastBackupAt, lastBackupState) VALUES (?, ?, ?, 'linux', 'x', ?, ?, ?, ?)`,
    );
    const insertSet = raw.prepare(
      `INSERT INTO BackupSet (id, name, hostId, repositoryId, options, createdAt, updatedAt,
         lastDrillAt, lastDrillJobId, lastDrillState) VALUES (?, 'documents', ?, ?, '{"paths":["/home"]}', ?, ?, ?, ?, ?)`,
    );
    const insertSchedule = raw.prepare(
      `INSERT INTO Schedule (id, kind, backupSetId, repositoryId, hostId, timing, paused,
         judgedThrough, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, '{"type":"daily","time":"02:00"}', ?, ?, ?, ?)`,
    );
    const insertMiss = raw.prepare(
      `INSERT INTO ScheduleMiss (id, scheduleId, hostId, slot, reason, detail, recordedAt)
       VALUES (?, ?, ?, ?, ?, 'the agent was away', ?)`,
    );
    for (let h = 0; h < FLEET.hosts; h++) {
      const created = iso(SEED_START + h * MINUTE);
      const revoked = h % (FLEET.hosts / FLEET.revokedHosts) === 7 ? iso(now - h * MINUTE) : null;
      // Most hosts backed up within the day; some never, some failed, some long ago.
      const kind = h % 50;
      const lastAt =
        kind === 0 ? null : kind === 1 ? now - 3 * 86_400_000 : now - (h % 600) * MINUTE;
      const lastState = kind === 0 ? null : kind === 2 ? "failed" : "succeeded";
      insertHost.run(
        hostId(h),
        hostName(h),
        hostName(h),
        created,
        revoked,
        lastAt === null ? null : iso(lastAt),
        lastState,
      );
      const repo = repositoryId(h % FLEET.repositories);
      const drilled = h % 100 === 3;
      insertSet.run(
        setId(h),
        hostId(h),
        repo,
        created,
        created,
        drilled ? iso(now - h * MINUTE) : null,
        drilled ? `drill${h}` : null,
        drilled ? "succeeded" : null,
      );
      insertSchedule.run(
        scheduleId(h),
        "backup",
        setId(h),
        repo,
        hostId(h),
        h % 10 === 0 ? 1 : 0,
        created,
        created,
        created,
      );
      for (let m = 0; m < FLEET.missesPerSchedule; m++) {
        const at = SEED_START + (h * FLEET.missesPerSchedule + m) * MINUTE;
        insertMiss.run(
          `miss${pad(h)}-${m}`,
          scheduleId(h),
          hostId(h),
          iso(at),
          m === 0 ? "missed" : "skipped",
          iso(at),
        );
      }
    }

    const insertSoloSet = raw.prepare(
      `INSERT INTO BackupSet (id, name, hostId, repositoryId, options, createdAt, updatedAt)
       VALUES (?, 'solo', ?, ?, '{"paths":["/etc"]}', ?, ?)`,
    );
    for (let h = 0; h < FLEET.soloRepositories; h++) {
      const at = iso(SEED_START + h * MINUTE);
      insertRepository.run(
        soloRepositoryId(h),
        soloRepositoryName(h),
        `rest:https://s${h}/`,
        null,
        at,
        at,
      );
      insertSoloSet.run(soloSetId(h), hostId(h), soloRepositoryId(h), at, at);
    }

    // The first two repositories are maintained by the first two hosts.
    const setMaintainer = raw.prepare("UPDATE Repository SET maintenanceHostId = ? WHERE id = ?");
    for (let r = 0; r < 2; r++) setMaintainer.run(hostId(r), repositoryId(r));

    const insertJob = raw.prepare(
      `INSERT INTO Job (id, hostId, repositoryId, kind, backupSetId, params, state, createdAt,
         startedAt, finishedAt, createdByType, scheduleId) VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, 'schedule', ?)`,
    );
    const jobs = FLEET.hosts * FLEET.jobsPerHost;
    for (let j = 0; j < jobs; j++) {
      const h = j % FLEET.hosts;
      // Jobs a minute apart, oldest first, the newest a minute ago.
      const created = now - (jobs - j) * MINUTE;
      // Every tenth job of each kind in turn, whatever the number of kinds.
      const kind = j % 10 === 0 ? JOB_KINDS[(j / 10) % JOB_KINDS.length] : "backup";
      const state =
        j >= jobs - 40 ? (j % 2 ? "running" : "queued") : j % 97 === 0 ? "failed" : "succeeded";
      const finished = state === "running" || state === "queued" ? null : iso(created + MINUTE / 2);
      insertJob.run(
        `job${String(j).padStart(7, "0")}`,
        hostId(h),
        repositoryId(h % FLEET.repositories),
        kind,
        setId(h),
        state,
        iso(created),
        iso(created),
        finished,
        scheduleId(h),
      );
    }

    const insertAlert = raw.prepare(
      `INSERT INTO Alert (id, key, openKey, kind, severity, state, hostId, subject, summary,
         firstSeenAt, lastSeenAt) VALUES (?, ?, ?, ?, ?, ?, ?, 'documents on a host', 'it failed', ?, ?)`,
    );
    for (let a = 0; a < FLEET.alerts; a++) {
      const state = a % 20 === 0 ? "raised" : a % 20 === 1 ? "acknowledged" : "resolved";
      const key = `k${a}`;
      const at = iso(SEED_START + a * MINUTE);
      insertAlert.run(
        `alert${pad(a)}`,
        key,
        state === "resolved" ? null : key,
        ALERT_KINDS[a % ALERT_KINDS.length],
        ["info", "warning", "critical"][a % 3],
        state,
        hostId(a % FLEET.hosts),
        at,
        at,
      );
    }

    const insertAudit = raw.prepare(
      `INSERT INTO AuditEvent (id, at, actorType, actorName, action, outcome, targetType, targetId,
         targetName) VALUES (?, ?, 'user', ?, ?, ?, 'host', ?, ?)`,
    );
    for (let e = 0; e < FLEET.auditEvents; e++) {
      const h = e % FLEET.hosts;
      insertAudit.run(
        `audit${pad(e)}`,
        iso(SEED_START + e * MINUTE),
        e % 7 === 0 ? "alice" : "bob",
        e % 5 === 0 ? "host.revoked" : "job.created",
        e % 13 === 0 ? "failure" : "success",
        hostId(h),
        hostName(h),
      );
    }

    const insertEnrollment = raw.prepare(
      "INSERT INTO EnrollmentToken (id, secretHash, createdAt, expiresAt) VALUES (?, 'x', ?, ?)",
    );
    for (let t = 0; t < FLEET.enrollments; t++) {
      insertEnrollment.run(`enroll${pad(t)}`, iso(SEED_START + t * MINUTE), iso(now + 86_400_000));
    }
  })();
  raw.exec("ANALYZE");
}
