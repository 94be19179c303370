import type {
  TRepositoryCreate,
  TRepositoryListFilter,
  TRepositoryUpdate,
} from "@restic-manager/contracts";
import { narrow, REPOSITORY_STATUSES, ZHealthResult } from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, rethrowUnique } from "../db.js";
import { presentLastDrill, SET_WITH_DRILL_FIELDS } from "../drills/service.js";
import { AppError, found } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import { afterKeyset, decodeCursorOf, keysetOrder, pageOf, prefixRange } from "../pagination.js";
import { displayUrl, seal, sealEnv } from "./access.js";
import type { RepositoryDeps } from "./health.js";

/**
 * Repositories: where backups go. Registering, changing, listing and removing them; their
 * secrets live in access.ts, their health in health.ts, what finished jobs mean for them in
 * reactions.ts.
 */

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
} as const;

type SummaryRow = Prisma.RepositoryGetPayload<{ select: typeof SUMMARY }>;
type SetCounts = { setCount: number; appendOnlyHostCount: number };

const HealthHosts = ZHealthResult.shape.hosts;
const HealthLocks = ZHealthResult.shape.locks;

/**
 * How many backup sets each repository of a page holds, and how many hosts back up into it with
 * append-only access (every backup-set host but the maintenance one): one statement for the
 * page, each count a range of the (repositoryId, hostId) index. Prisma would say "hosts with
 * some set here" as a scan of every host, and a count per repository as a statement each.
 */
async function countSets(db: Db, ids: string[]): Promise<Map<string, SetCounts>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<
    Array<{ id: string; sets: number | bigint; hosts: number | bigint }>
  >`
    SELECT r."id" AS "id",
      (SELECT COUNT(*) FROM "BackupSet" b WHERE b."repositoryId" = r."id") AS "sets",
      (SELECT COUNT(DISTINCT b."hostId") FROM "BackupSet" b
        WHERE b."repositoryId" = r."id" AND b."hostId" IS DISTINCT FROM r."maintenanceHostId") AS "hosts"
    FROM "Repository" r WHERE r."id" IN (${Prisma.join(ids)})`;
  return new Map(
    rows.map((row) => [
      row.id,
      { setCount: Number(row.sets), appendOnlyHostCount: Number(row.hosts) },
    ]),
  );
}

/**
 * What a repository's own page shows of its sets besides their counts: the first few by name,
 * and the first few append-only hosts. Each is one range of the (repositoryId, name, id) index;
 * the whole list pages through backupSets.list.
 */
export const LISTED_SETS_PER_REPOSITORY = 5;
export const LISTED_APPEND_ONLY_HOSTS = 10;

async function firstSets(db: Db, repository: { id: string; maintenanceHostId: string | null }) {
  const [backupSets, appendOnlySets] = await Promise.all([
    db.backupSet.findMany({
      where: { repositoryId: repository.id },
      orderBy: keysetOrder("name", "asc"),
      take: LISTED_SETS_PER_REPOSITORY,
      select: SET_WITH_DRILL_FIELDS,
    }),
    // A host may have several sets here: enough of them for the first few hosts in most fleets.
    db.backupSet.findMany({
      where: {
        repositoryId: repository.id,
        ...(repository.maintenanceHostId ? { hostId: { not: repository.maintenanceHostId } } : {}),
      },
      orderBy: keysetOrder("name", "asc"),
      take: LISTED_APPEND_ONLY_HOSTS * 2,
      select: { hostId: true, host: { select: { name: true } } },
    }),
  ]);
  return {
    backupSets: backupSets.map((s) => ({
      id: s.id,
      name: s.name,
      hostId: s.hostId,
      hostName: s.host.name,
      lastDrill: presentLastDrill(s),
    })),
    appendOnlyHosts: [
      ...new Map(
        appendOnlySets.map((s) => [s.hostId, { id: s.hostId, name: s.host.name }]),
      ).values(),
    ].slice(0, LISTED_APPEND_ONLY_HOSTS),
  };
}

/**
 * The hosts recorded in a repository's snapshots that it shows: the stalest first, as many as its
 * card lists. A shared repository records every host of the fleet.
 */
export const LISTED_SNAPSHOT_HOSTS = 20;

function present(row: SummaryRow, counts: SetCounts | undefined) {
  const { envSealed, maintenanceEnvSealed, hostsJson, locksJson, maintenanceHost, ...rest } = row;
  const locks = locksJson ? HealthLocks.parse(JSON.parse(locksJson)) : [];
  const hosts = hostsJson ? HealthHosts.parse(JSON.parse(hostsJson)) : [];
  return {
    ...rest,
    status: narrow(REPOSITORY_STATUSES, rest.status),
    hasEnv: envSealed !== null,
    hasMaintenanceEnv: maintenanceEnvSealed !== null,
    maintenanceHostName: maintenanceHost?.name ?? null,
    hosts: hosts
      .toSorted((a, b) => Date.parse(a.lastSnapshotAt) - Date.parse(b.lastSnapshotAt))
      .slice(0, LISTED_SNAPSHOT_HOSTS),
    snapshotHostCount: hosts.length,
    locks,
    staleLocks: locks.filter((l) => l.stale).length,
    dedupRatio: rest.totalSize && rest.rawSize ? rest.totalSize / rest.rawSize : null,
    setCount: counts?.setCount ?? 0,
    appendOnlyHostCount: counts?.appendOnlyHostCount ?? 0,
  };
}

/** One page of repositories by (name, id) on the unique name index; `search` a name prefix. */
export async function listRepositories(db: Db, input: TRepositoryListFilter) {
  const after = decodeCursorOf(input.cursor, "string");
  const rows = await db.repository.findMany({
    where: { AND: [prefixRange("name", input.search), afterKeyset("name", "asc", after)] },
    orderBy: keysetOrder("name", "asc"),
    take: input.limit + 1,
    select: SUMMARY,
  });
  const { page, nextCursor } = pageOf(rows, input.limit, (row) => row.name);
  const counts = await countSets(
    db,
    page.map((row) => row.id),
  );
  return { items: page.map((row) => present(row, counts.get(row.id))), nextCursor };
}

export async function getRepository(db: Db, id: string) {
  const row = found(
    await db.repository.findUnique({ where: { id }, select: SUMMARY }),
    "No such repository",
  );
  const [counts, sets, history] = await Promise.all([
    countSets(db, [id]),
    firstSets(db, row),
    db.repositoryStat.findMany({
      where: { repositoryId: id },
      orderBy: { at: "desc" },
      take: 500,
      select: { at: true, snapshotCount: true, totalSize: true, rawSize: true },
    }),
  ]);
  return { ...present(row, counts.get(id)), ...sets, history: history.reverse() };
}

// ── Registering and changing ────────────────────────────────────────────────────────

async function assertHost(db: Db, id: string, role: string) {
  const host = await db.host.findUnique({ where: { id } });
  if (!host || host.revokedAt) throw new AppError("NOT_FOUND", `The ${role} host does not exist`);
  return host;
}

function uniqueName(error: unknown, name: string | undefined): never {
  rethrowUnique(error, `A repository named "${name}" already exists`);
}

/**
 * Registers a repository and sets it up through an agent: `init` creates it, `adopt` checks
 * the password and reads its id. Until that job succeeds the repository is pending; if it
 * fails, or turns out to be one already registered, the registration is withdrawn.
 */
export async function createRepository(
  deps: RepositoryDeps,
  input: TRepositoryCreate,
  actor: Actor,
  meta: RequestMeta,
) {
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
  input: TRepositoryUpdate,
  actor: Actor,
  meta: RequestMeta,
) {
  const { db, keyring } = deps;
  const existing = found(
    await db.repository.findUnique({ where: { id: input.id } }),
    "No such repository",
  );
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
