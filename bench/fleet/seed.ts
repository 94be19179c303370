import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { Keyring, parseMasterKey } from "../../apps/api/src/secrets/keyring.js";
import { sealSecret } from "../../apps/api/src/secrets/seal.js";
import { ROOT } from "./bundle.js";

/** The little of better-sqlite3 the seeding uses (the API's own copy; bench declares no types). */
interface Statement {
  run(...params: unknown[]): unknown;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<T extends unknown[]>(fn: (...args: T) => void): (...args: T) => void;
  close(): void;
}
type DatabaseConstructor = new (file: string) => Database;

export interface SeededHost {
  id: string;
  credential: string;
}

/** Every 1,000th job: where "load more" pages deep in the table start. */
export interface JobSample {
  id: string;
  createdAt: Date;
  hostId: string;
  kind: string;
  state: string;
}

export interface Seeded {
  hosts: SeededHost[];
  /** An admin API token: the client calls and the watchers use it. */
  token: string;
  repositoryIds: string[];
  samples: JobSample[];
}

const DAY_MS = 86_400_000;
/** Kinds and final states in the proportions a fleet's history has (mostly nightly backups). */
const KINDS: Array<[string, number]> = [
  ["backup", 0.72],
  ["forget", 0.08],
  ["check", 0.06],
  ["health", 0.06],
  ["snapshots", 0.03],
  ["prune", 0.02],
  ["stats", 0.02],
  ["restore", 0.01],
];
const STATES: Array<[string, number]> = [
  ["succeeded", 0.9],
  ["failed", 0.06],
  ["cancelled", 0.02],
  ["lost", 0.02],
];

function pick(table: Array<[string, number]>, r: number): string {
  let sum = 0;
  for (const [value, share] of table) {
    sum += share;
    if (r < sum) return value;
  }
  return table[0]?.[0] ?? "";
}

/** Prisma's driver adapter writes DateTime as ISO 8601 with an explicit offset. */
export function iso(date: Date | number): string {
  return new Date(date).toISOString().replace("Z", "+00:00");
}

export function opaqueId(): string {
  return `c${randomBytes(15).toString("hex").slice(0, 24)}`;
}

/** An opaque token as auth/opaqueToken.ts issues it: the id finds the row, the secret's hash is kept. */
export function token(prefix: "rma" | "rmt") {
  const id = randomBytes(9).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  return {
    id,
    secretHash: createHash("sha256").update(secret).digest("hex"),
    token: `${prefix}_${id}_${secret}`,
  };
}

/**
 * Fills a migrated database the way a large fleet's would look after a year: hosts with valid
 * agent credentials, repositories with sealed secrets, an admin and an API token, and a job
 * history of `jobCount` finished jobs spread over the hosts and the year. Raw inserts in one
 * transaction with prepared statements: a million jobs take seconds, not hours through the API.
 */
export function seedDatabase(options: {
  databasePath: string;
  masterKey: string;
  hostCount: number;
  jobCount: number;
  repositoryCount?: number;
}): Seeded {
  const require = createRequire(path.join(ROOT, "apps/api/package.json"));
  const Sqlite = require("better-sqlite3") as DatabaseConstructor;
  const db = new Sqlite(options.databasePath);
  db.pragma("journal_mode = WAL");
  const keyring = new Keyring([parseMasterKey(options.masterKey, "RM_MASTER_KEY")]);
  const now = Date.now();
  const nowIso = iso(now);

  const hosts: SeededHost[] = [];
  const repositoryIds: string[] = [];
  const samples: JobSample[] = [];
  const apiToken = token("rmt");

  const insertHost = db.prepare(
    `INSERT INTO Host (id, name, hostname, os, arch, agentVersion, protocolVersion, resticVersion,
       credentialHash, createdAt, lastSeenAt, lastBackupAt, lastBackupState, timeZone)
     VALUES (?, ?, ?, 'linux', 'x64', 'bench', 1, '0.18.0', ?, ?, ?, ?, 'succeeded', 'UTC')`,
  );
  const insertRepository = db.prepare(
    `INSERT INTO Repository (id, name, displayUrl, urlSealed, passwordSealed, status, createdAt,
       updatedAt, healthAt, snapshotCount, totalSize, rawSize)
     VALUES (?, ?, ?, ?, ?, 'ready', ?, ?, ?, 1000, 1e12, 8e11)`,
  );
  const insertJob = db.prepare(
    `INSERT INTO Job (id, hostId, repositoryId, kind, endpoint, params, state, createdAt,
       dispatchedAt, startedAt, finishedAt, createdByType, createdByName, exitCode, error, logLines)
     VALUES (?, ?, ?, ?, 'backup', ?, ?, ?, ?, ?, ?, 'schedule', 'nightly', ?, ?, ?)`,
  );

  db.transaction(() => {
    db.prepare(
      `INSERT INTO User (id, username, passwordHash, role, createdAt, updatedAt)
       VALUES ('bench-admin', 'bench-admin', '-', 'admin', ?, ?)`,
    ).run(nowIso, nowIso);
    db.prepare(
      `INSERT INTO ApiToken (id, name, secretHash, role, userId, createdAt)
       VALUES (?, 'bench', ?, 'admin', 'bench-admin', ?)`,
    ).run(apiToken.id, apiToken.secretHash, nowIso);

    for (let i = 0; i < (options.repositoryCount ?? 20); i++) {
      const id = opaqueId();
      const url = `rest:http://127.0.0.1:9/bench-${i}`;
      insertRepository.run(
        id,
        `repo-${i}`,
        url,
        sealSecret(keyring, url, `repository:${id}:url`),
        sealSecret(keyring, "bench-password", `repository:${id}:password`),
        nowIso,
        nowIso,
        nowIso,
      );
      repositoryIds.push(id);
    }

    for (let i = 0; i < options.hostCount; i++) {
      const credential = token("rma");
      const name = `host-${String(i).padStart(5, "0")}`;
      insertHost.run(
        credential.id,
        name,
        name,
        credential.secretHash,
        iso(now - 400 * DAY_MS),
        nowIso,
        iso(now - DAY_MS / 2),
      );
      hosts.push({ id: credential.id, credential: credential.token });
    }

    // Created in time order over the last year, as a year of nightly runs would be.
    const span = 365 * DAY_MS;
    for (let i = 0; i < options.jobCount; i++) {
      const id = opaqueId();
      const createdAt = now - span + Math.floor((i / options.jobCount) * span);
      const kind = pick(KINDS, Math.random());
      const state = pick(STATES, Math.random());
      const host = hosts[Math.floor(Math.random() * hosts.length)];
      if (!host) throw new Error("no hosts to give jobs to");
      const repositoryId = repositoryIds[i % repositoryIds.length] ?? null;
      const startedAt = createdAt + 500;
      const finishedAt = startedAt + 30_000 + Math.floor(Math.random() * 600_000);
      const params =
        kind === "backup"
          ? JSON.stringify({ kind, paths: ["/srv/data", "/etc"], tags: ["nightly"] })
          : JSON.stringify({ kind });
      insertJob.run(
        id,
        host.id,
        repositoryId,
        kind,
        params,
        state,
        iso(createdAt),
        iso(createdAt + 100),
        state === "cancelled" ? null : iso(startedAt),
        iso(finishedAt),
        state === "succeeded" ? 0 : state === "failed" ? 1 : null,
        state === "failed" ? "Fatal: unable to open repository: connection refused" : null,
        state === "succeeded" ? 12 : 4,
      );
      if (i % 1000 === 500) {
        samples.push({ id, createdAt: new Date(createdAt), hostId: host.id, kind, state });
      }
    }
  })();
  db.close();
  return { hosts, token: apiToken.token, repositoryIds, samples };
}
