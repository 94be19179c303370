import {
  repositoryUrlCredentials,
  type TJobFinished,
  type TRepositoryAccess,
  type TRepositoryCreateInput,
  type TRepositoryUpdateInput,
  ZHealthResult,
  ZRepositoryCreateInput,
  ZRepositoryUpdateInput,
} from "@restic-manager/contracts";
import type { AgentRegistry } from "../agents/registry.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import type { Endpoint } from "../jobs/routing.js";
import type { JobService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { Keyring } from "../secrets/keyring.js";
import { openSecret, sealSecret } from "../secrets/seal.js";
import { recordAudit } from "./audit.js";

/**
 * Repositories: where backups go. Their strings, password and backend environments are sealed
 * at rest and never leave the server except inside a job sent to an agent.
 */

export interface RepositoryDeps {
  db: Db;
  keyring: Keyring;
  jobs: JobService;
  agents: AgentRegistry;
  logger: Logger;
}

type Field = "url" | "password" | "env" | "maintenanceUrl" | "maintenanceEnv";

function seal(keyring: Keyring, id: string, field: Field, value: string): string {
  return sealSecret(keyring, value, `repository:${id}:${field}`);
}

function open(keyring: Keyring, id: string, field: Field, sealed: string): string {
  return openSecret(keyring, sealed, `repository:${id}:${field}`);
}

function sealEnv(keyring: Keyring, id: string, field: Field, env: Record<string, string>) {
  return Object.keys(env).length > 0 ? seal(keyring, id, field, JSON.stringify(env)) : null;
}

/**
 * The repository string as it may be shown: a password in a URL is masked. The userinfo ends
 * at the last `@` before the host, as restic reads it, so a password holding `@` is masked whole.
 */
export function displayUrl(url: string): string {
  const credentials = repositoryUrlCredentials(url);
  if (!credentials || credentials.password === null) return url;
  return `${credentials.before}${credentials.user}:***@${credentials.after}`;
}

/**
 * Recomputes every stored display URL from the sealed one, so rows written before a change
 * to the masking (a password holding `@` was once masked only in part) show no more than
 * the current rule allows. Runs at start-up; a row that cannot be opened is left alone.
 */
export async function refreshDisplayUrls(deps: { db: Db; keyring: Keyring; logger: Logger }) {
  const rows = await deps.db.repository.findMany({
    select: {
      id: true,
      urlSealed: true,
      displayUrl: true,
      maintenanceUrlSealed: true,
      maintenanceDisplayUrl: true,
    },
  });
  for (const row of rows) {
    try {
      const shown = displayUrl(open(deps.keyring, row.id, "url", row.urlSealed));
      const maintenanceShown = row.maintenanceUrlSealed
        ? displayUrl(open(deps.keyring, row.id, "maintenanceUrl", row.maintenanceUrlSealed))
        : null;
      if (shown === row.displayUrl && maintenanceShown === row.maintenanceDisplayUrl) continue;
      await deps.db.repository.update({
        where: { id: row.id },
        data: { displayUrl: shown, maintenanceDisplayUrl: maintenanceShown },
      });
    } catch (error) {
      deps.logger.warn({
        event: "repository.display_url_failed",
        repositoryId: row.id,
        err: error,
      });
    }
  }
}

/** The credentials an agent needs for one job, for one endpoint. Only dispatch calls this. */
export function repositoryAccess(
  keyring: Keyring,
  row: {
    id: string;
    urlSealed: string;
    passwordSealed: string;
    envSealed: string | null;
    maintenanceUrlSealed: string | null;
    maintenanceEnvSealed: string | null;
  },
  endpoint: Endpoint,
): TRepositoryAccess {
  const maintenance = endpoint === "maintenance" && row.maintenanceUrlSealed !== null;
  const envSealed = maintenance ? row.maintenanceEnvSealed : row.envSealed;
  return {
    url: maintenance
      ? open(keyring, row.id, "maintenanceUrl", row.maintenanceUrlSealed ?? "")
      : open(keyring, row.id, "url", row.urlSealed),
    password: open(keyring, row.id, "password", row.passwordSealed),
    env: envSealed
      ? (JSON.parse(
          open(keyring, row.id, maintenance ? "maintenanceEnv" : "env", envSealed),
        ) as Record<string, string>)
      : {},
  };
}

// ── Reading ─────────────────────────────────────────────────────────────────────────

const SUMMARY = {
  id: true,
  name: true,
  displayUrl: true,
  maintenanceDisplayUrl: true,
  maintenanceHostId: true,
  maintenanceHost: { select: { name: true } },
  resticId: true,
  status: true,
  statusError: true,
  setupJobId: true,
  envSealed: true,
  maintenanceEnvSealed: true,
  createdAt: true,
  updatedAt: true,
  healthAt: true,
  healthJobId: true,
  healthError: true,
  snapshotCount: true,
  totalSize: true,
  rawSize: true,
  uncompressedSize: true,
  hostsJson: true,
  locksJson: true,
  lastCheckAt: true,
  lastCheckOk: true,
  lastCheckJobId: true,
  lastCheckSuccessAt: true,
  backupSets: { select: { id: true, name: true, hostId: true, host: { select: { name: true } } } },
} as const;

type SummaryRow = Prisma.RepositoryGetPayload<{ select: typeof SUMMARY }>;

const HealthHosts = ZHealthResult.shape.hosts;
const HealthLocks = ZHealthResult.shape.locks;

function present(row: SummaryRow) {
  const {
    envSealed,
    maintenanceEnvSealed,
    hostsJson,
    locksJson,
    maintenanceHost,
    backupSets,
    ...rest
  } = row;
  const locks = locksJson ? HealthLocks.parse(JSON.parse(locksJson)) : [];
  return {
    ...rest,
    hasEnv: envSealed !== null,
    hasMaintenanceEnv: maintenanceEnvSealed !== null,
    maintenanceHostName: maintenanceHost?.name ?? null,
    hosts: hostsJson ? HealthHosts.parse(JSON.parse(hostsJson)) : [],
    locks,
    staleLocks: locks.filter((l) => l.stale).length,
    dedupRatio: rest.totalSize && rest.rawSize ? rest.totalSize / rest.rawSize : null,
    backupSets: backupSets.map((s) => ({
      id: s.id,
      name: s.name,
      hostId: s.hostId,
      hostName: s.host.name,
    })),
    /** Hosts that back up here with append-only access: every backup-set host but the maintenance one. */
    appendOnlyHosts: [
      ...new Map(
        backupSets
          .filter((s) => s.hostId !== rest.maintenanceHostId)
          .map((s) => [s.hostId, { id: s.hostId, name: s.host.name }]),
      ).values(),
    ],
  };
}

export async function listRepositories(db: Db) {
  const rows = await db.repository.findMany({ orderBy: { name: "asc" }, select: SUMMARY });
  return rows.map(present);
}

export async function getRepository(db: Db, id: string) {
  const row = await db.repository.findUnique({ where: { id }, select: SUMMARY });
  if (!row) throw new AppError("NOT_FOUND", "No such repository");
  const history = await db.repositoryStat.findMany({
    where: { repositoryId: id },
    orderBy: { at: "desc" },
    take: 500,
    select: { at: true, snapshotCount: true, totalSize: true, rawSize: true },
  });
  return { ...present(row), history: history.reverse() };
}

// ── Registering and changing ────────────────────────────────────────────────────────

async function assertHost(db: Db, id: string, role: string) {
  const host = await db.host.findUnique({ where: { id } });
  if (!host || host.revokedAt) throw new AppError("NOT_FOUND", `The ${role} host does not exist`);
  return host;
}

function uniqueName(error: unknown, name: string | undefined): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    throw new AppError("CONFLICT", `A repository named "${name}" already exists`);
  }
  throw error;
}

/**
 * Registers a repository and sets it up through an agent: `init` creates it, `adopt` checks
 * the password and reads its id. Until that job succeeds the repository is pending; if it
 * fails, or turns out to be one already registered, the registration is withdrawn.
 */
export async function createRepository(
  deps: RepositoryDeps,
  rawInput: TRepositoryCreateInput,
  actor: Actor,
  meta: RequestMeta,
) {
  const input = ZRepositoryCreateInput.parse(rawInput);
  const { db, keyring } = deps;
  await assertHost(db, input.setup.hostId, "set-up");
  if (input.maintenance) await assertHost(db, input.maintenance.hostId, "maintenance");
  const id = `repo_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  let repository: { id: string; name: string };
  try {
    repository = await db.$transaction(async (tx) => {
      const created = await tx.repository.create({
        data: {
          id,
          name: input.name,
          status: "pending",
          displayUrl: displayUrl(input.url),
          urlSealed: seal(keyring, id, "url", input.url),
          passwordSealed: seal(keyring, id, "password", input.password),
          envSealed: sealEnv(keyring, id, "env", input.env),
          ...(input.maintenance
            ? {
                maintenanceDisplayUrl: displayUrl(input.maintenance.url),
                maintenanceUrlSealed: seal(keyring, id, "maintenanceUrl", input.maintenance.url),
                maintenanceEnvSealed: sealEnv(keyring, id, "maintenanceEnv", input.maintenance.env),
                maintenanceHostId: input.maintenance.hostId,
              }
            : {}),
        },
        select: { id: true, name: true },
      });
      await recordAudit(tx, {
        action: "repository.created",
        actor,
        target: { type: "repository", id, name: input.name },
        ip: meta.ip,
        details: {
          url: displayUrl(input.url),
          envKeys: Object.keys(input.env),
          setup: input.setup.mode,
          maintenanceHostId: input.maintenance?.hostId ?? null,
        },
      });
      return created;
    });
  } catch (error) {
    uniqueName(error, input.name);
  }
  const job = await deps.jobs.create(
    {
      hostId: input.setup.hostId,
      repositoryId: id,
      params: { kind: input.setup.mode === "init" ? "init" : "cat-config" },
    },
    actor,
    meta,
    { setsUpRepository: true },
  );
  await db.repository.update({ where: { id }, data: { setupJobId: job.id } });
  return { repository, setupJobId: job.id };
}

export async function updateRepository(
  deps: RepositoryDeps,
  rawInput: TRepositoryUpdateInput,
  actor: Actor,
  meta: RequestMeta,
) {
  const input = ZRepositoryUpdateInput.parse(rawInput);
  const { db, keyring } = deps;
  const existing = await db.repository.findUnique({ where: { id: input.id } });
  if (!existing) throw new AppError("NOT_FOUND", "No such repository");
  if (input.maintenance) await assertHost(db, input.maintenance.hostId, "maintenance");
  const id = existing.id;
  const data: Prisma.RepositoryUncheckedUpdateInput = {};
  if (input.name !== undefined) data.name = input.name;
  if (input.url !== undefined) {
    data.displayUrl = displayUrl(input.url);
    data.urlSealed = seal(keyring, id, "url", input.url);
  }
  if (input.password !== undefined)
    data.passwordSealed = seal(keyring, id, "password", input.password);
  if (input.env !== undefined) data.envSealed = sealEnv(keyring, id, "env", input.env);
  if (input.maintenance === null) {
    Object.assign(data, {
      maintenanceDisplayUrl: null,
      maintenanceUrlSealed: null,
      maintenanceEnvSealed: null,
      maintenanceHostId: null,
    });
  } else if (input.maintenance) {
    const { url, env, hostId } = input.maintenance;
    if (url === undefined && existing.maintenanceUrlSealed === null) {
      throw new AppError("BAD_REQUEST", "Give the maintenance endpoint: none is stored yet");
    }
    data.maintenanceHostId = hostId;
    if (url !== undefined) {
      data.maintenanceDisplayUrl = displayUrl(url);
      data.maintenanceUrlSealed = seal(keyring, id, "maintenanceUrl", url);
    }
    if (env !== undefined) data.maintenanceEnvSealed = sealEnv(keyring, id, "maintenanceEnv", env);
  }
  try {
    await db.$transaction(async (tx) => {
      await tx.repository.update({ where: { id }, data });
      await recordAudit(tx, {
        action: "repository.updated",
        actor,
        target: { type: "repository", id, name: input.name ?? existing.name },
        ip: meta.ip,
        // Which fields changed, never their values.
        details: {
          changed: Object.keys(input).filter((k) => k !== "id"),
          maintenanceHostId:
            input.maintenance === undefined ? undefined : (input.maintenance?.hostId ?? null),
        },
      });
    });
  } catch (error) {
    uniqueName(error, input.name);
  }
  return getRepository(db, id);
}

export async function deleteRepository(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const repository = await tx.repository.findUnique({
      where: { id },
      include: { backupSets: { select: { name: true, host: { select: { name: true } } } } },
    });
    if (!repository) throw new AppError("NOT_FOUND", "No such repository");
    if (repository.backupSets.length > 0) {
      const sets = repository.backupSets.map((s) => `"${s.name}" on ${s.host.name}`).join(", ");
      throw new AppError(
        "CONFLICT",
        `"${repository.name}" is used by backup sets ${sets}: remove or move them first`,
      );
    }
    await tx.repository.delete({ where: { id } });
    await recordAudit(tx, {
      action: "repository.deleted",
      actor,
      target: { type: "repository", id, name: repository.name },
      ip: meta.ip,
    });
  });
}

// ── Health ──────────────────────────────────────────────────────────────────────────

/** Kinds whose success changes what the health card shows. */
const CHANGES_REPOSITORY = new Set(["init", "backup", "forget", "prune", "unlock"]);

/**
 * Starts a health job unless one is already on its way. It runs on the maintenance host if
 * there is one, else on a host that backs up here (online ones first): reading is allowed
 * through the append-only endpoint too.
 */
export async function refreshHealth(deps: RepositoryDeps, repositoryId: string) {
  const { db, agents } = deps;
  const repository = await db.repository.findUnique({
    where: { id: repositoryId },
    include: { backupSets: { select: { hostId: true } } },
  });
  if (repository?.status !== "ready") return undefined;
  const active = await db.job.findFirst({
    where: { repositoryId, kind: "health", state: { in: ["queued", "dispatched", "running"] } },
  });
  if (active) {
    // It may have read the repository before this change: run again once it ends.
    await db.repository.update({
      where: { id: repositoryId },
      data: { healthRequestedAt: new Date() },
    });
    return active.id;
  }
  const lastJob = await db.job.findFirst({
    where: { repositoryId },
    orderBy: { createdAt: "desc" },
    select: { hostId: true },
  });
  const candidates = [
    repository.maintenanceHostId,
    ...repository.backupSets.map((s) => s.hostId),
    lastJob?.hostId,
  ].filter((id): id is string => typeof id === "string");
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
async function refreshHealthAfter(deps: RepositoryDeps, repositoryId: string, endedJobId: string) {
  const stillActive = await deps.db.job.findFirst({
    where: {
      repositoryId,
      kind: "health",
      state: { in: ["queued", "dispatched", "running"] },
      id: { not: endedJobId },
    },
  });
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

/**
 * What a finished job means for its repository: a set-up completes or is withdrawn, a health
 * or check result is recorded, and a change triggers a health refresh.
 */
export async function onRepositoryJobFinished(
  deps: RepositoryDeps,
  job: { id: string; kind: string; repositoryId: string | null },
  report: TJobFinished,
) {
  const { db } = deps;
  if (!job.repositoryId) return;
  const repository = await db.repository.findUnique({ where: { id: job.repositoryId } });
  if (!repository) return;
  const result = report.result;
  const succeeded = report.outcome === "succeeded";

  if (repository.status === "pending" && (job.kind === "init" || job.kind === "cat-config")) {
    const resticId =
      result?.kind === "init"
        ? result.repositoryId
        : result?.kind === "cat-config"
          ? result.config.id
          : null;
    const duplicate = resticId
      ? await db.repository.findUnique({ where: { resticId }, select: { name: true } })
      : null;
    if (!succeeded || !resticId || duplicate) {
      const reason = duplicate
        ? `this restic repository is already registered as "${duplicate.name}"`
        : (report.error ?? "the set-up job did not succeed");
      await db.job.update({
        where: { id: job.id },
        data: { error: `Registration withdrawn: ${reason}` },
      });
      await db.repository.delete({ where: { id: repository.id } });
      deps.logger.info({ event: "repository.withdrawn", repository: repository.name, reason });
      return;
    }
    await db.repository.update({
      where: { id: repository.id },
      data: { status: "ready", resticId, statusError: null },
    });
    await refreshHealth(deps, repository.id);
    return;
  }

  if (job.kind === "health") {
    const created = await db.job.findUnique({ where: { id: job.id }, select: { createdAt: true } });
    if (
      repository.healthRequestedAt &&
      created &&
      repository.healthRequestedAt > created.createdAt
    ) {
      await db.repository.update({
        where: { id: repository.id },
        data: { healthRequestedAt: null },
      });
      await refreshHealthAfter(deps, repository.id, job.id);
    }
    if (!succeeded || result?.kind !== "health") {
      await db.repository.update({
        where: { id: repository.id },
        data: { healthError: report.error ?? "the health job failed", healthJobId: job.id },
      });
      return;
    }
    const at = report.finishedAt;
    await db.$transaction([
      db.repository.update({
        where: { id: repository.id },
        data: {
          healthAt: at,
          healthJobId: job.id,
          healthError: null,
          snapshotCount: result.snapshotCount,
          totalSize: result.totalSize,
          rawSize: result.rawSize,
          uncompressedSize: result.uncompressedSize,
          hostsJson: JSON.stringify(result.hosts),
          locksJson: JSON.stringify(result.locks),
        },
      }),
      db.repositoryStat.create({
        data: {
          repositoryId: repository.id,
          at,
          snapshotCount: result.snapshotCount,
          totalSize: result.totalSize,
          rawSize: result.rawSize,
        },
      }),
    ]);
    return;
  }

  if (job.kind === "check" && report.outcome !== "cancelled") {
    const ok = succeeded && result?.kind === "check" && result.ok;
    await db.repository.update({
      where: { id: repository.id },
      data: {
        lastCheckAt: report.finishedAt,
        lastCheckOk: ok,
        lastCheckJobId: job.id,
        ...(ok ? { lastCheckSuccessAt: report.finishedAt } : {}),
      },
    });
  }

  if (succeeded && CHANGES_REPOSITORY.has(job.kind)) await refreshHealth(deps, repository.id);
}
