import {
  backupSetTags,
  type TBackupSet,
  type TBackupSetListFilter,
  type TBackupSetOptions,
  type TRetentionPolicy,
  ZBackupSetOptions,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, rethrowUnique } from "../db.js";
import { presentLastDrill } from "../drills/service.js";
import { AppError, found } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import type { JobService } from "../jobs/service.js";
import { afterKeyset, decodeCursorOf, keysetOrder, pageOf, prefixRange } from "../pagination.js";
import { forgetParams, parseRetention } from "../schedules/service.js";

const INCLUDE = {
  host: { select: { name: true } },
  repository: { select: { name: true } },
} as const;

function present(row: Prisma.BackupSetGetPayload<{ include: typeof INCLUDE }>) {
  const {
    host,
    repository,
    options,
    retention,
    lastDrillAt,
    lastDrillJobId,
    lastDrillState,
    lastDrillSuccessAt,
    ...rest
  } = row;
  return {
    ...rest,
    lastDrill: presentLastDrill({
      lastDrillAt,
      lastDrillJobId,
      lastDrillState,
      lastDrillSuccessAt,
    }),
    retention: parseRetention(retention),
    hostName: host.name,
    repositoryName: repository.name,
    options: ZBackupSetOptions.parse(JSON.parse(options)) as TBackupSetOptions,
    tags: backupSetTags(row.hostId, row.id),
  };
}

/**
 * One page of backup sets by (name, id): a host's from its (hostId, name) key, a repository's
 * from (repositoryId, name, id), all of them from (name, id). A name prefix narrows the same
 * range. A shared repository holds a set per host, so its sets are paged like hosts.
 */
export async function listBackupSets(db: Db, input: TBackupSetListFilter) {
  const after = decodeCursorOf(input.cursor, "string");
  const rows = await db.backupSet.findMany({
    where: {
      AND: [
        input.hostId ? { hostId: input.hostId } : {},
        input.repositoryId ? { repositoryId: input.repositoryId } : {},
        prefixRange("name", input.search),
        afterKeyset("name", "asc", after),
      ],
    },
    orderBy: keysetOrder("name", "asc"),
    take: input.limit + 1,
    include: INCLUDE,
  });
  const { page, nextCursor } = pageOf(rows, input.limit, (row) => row.name);
  return { items: page.map(present), nextCursor };
}

export async function getBackupSet(db: Db, id: string) {
  return present(
    found(await db.backupSet.findUnique({ where: { id }, include: INCLUDE }), "No such backup set"),
  );
}

async function assertTargets(db: Db, input: { hostId: string; repositoryId: string }) {
  const host = await db.host.findUnique({ where: { id: input.hostId } });
  if (!host || host.revokedAt) throw new AppError("NOT_FOUND", "No such host");
  const repository = found(
    await db.repository.findUnique({ where: { id: input.repositoryId } }),
    "No such repository",
  );
  if (repository.status !== "ready") {
    throw new AppError("BAD_REQUEST", `"${repository.name}" is still being set up`);
  }
  return repository;
}

function conflict(error: unknown, name: string): never {
  rethrowUnique(error, `This host already has a backup set named "${name}"`);
}

export async function saveBackupSet(
  db: Db,
  input: TBackupSet & { id?: string },
  actor: Actor,
  meta: RequestMeta,
) {
  const repository = await assertTargets(db, input);
  if (input.forgetAfterBackup && !input.retention) {
    throw new AppError("BAD_REQUEST", "Give a retention policy to apply after each backup");
  }
  // Forget runs only on the maintenance host: without one it would never run, and say nothing.
  if (input.forgetAfterBackup && !repository.maintenanceHostId) {
    throw new AppError(
      "BAD_REQUEST",
      `"${repository.name}" has no maintenance host, so retention cannot run after backups: give it a maintenance endpoint and host first`,
    );
  }
  const data = {
    name: input.name,
    hostId: input.hostId,
    repositoryId: input.repositoryId,
    options: JSON.stringify(input.options),
    retention: input.retention ? JSON.stringify(input.retention) : null,
    forgetAfterBackup: input.forgetAfterBackup,
  };
  try {
    const row = await db.$transaction(async (tx) => {
      const saved = input.id
        ? await tx.backupSet.update({ where: { id: input.id }, data, include: INCLUDE })
        : await tx.backupSet.create({ data, include: INCLUDE });
      await recordAudit(tx, {
        action: input.id ? "backup_set.updated" : "backup_set.created",
        actor,
        target: { type: "backup_set", id: saved.id, name: `${saved.name} on ${saved.host.name}` },
        ip: meta.ip,
        details: { repository: saved.repository.name, paths: input.options.paths },
      });
      return saved;
    });
    return present(row);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") {
      throw new AppError("NOT_FOUND", "No such backup set");
    }
    conflict(error, input.name);
  }
}

export async function deleteBackupSet(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const set = found(
      await tx.backupSet.findUnique({ where: { id }, include: INCLUDE }),
      "No such backup set",
    );
    await tx.backupSet.delete({ where: { id } });
    await recordAudit(tx, {
      action: "backup_set.deleted",
      actor,
      target: { type: "backup_set", id, name: `${set.name} on ${set.host.name}` },
      ip: meta.ip,
    });
  });
}

/** Runs a backup set now: a backup job tagged with the host and the set. */
export async function runBackupSet(
  deps: { db: Db; jobs: JobService },
  id: string,
  actor: Actor,
  meta: RequestMeta,
) {
  const set = found(await deps.db.backupSet.findUnique({ where: { id } }), "No such backup set");
  const options = ZBackupSetOptions.parse(JSON.parse(set.options));
  const job = await deps.jobs.create(
    {
      hostId: set.hostId,
      repositoryId: set.repositoryId,
      params: {
        kind: "backup",
        ...options,
        tags: [...(options.tags ?? []), ...backupSetTags(set.hostId, set.id)],
      },
    },
    actor,
    meta,
    { backupSetId: set.id },
  );
  return { jobId: job.id };
}

/**
 * What a retention policy would do to a set's snapshots, before it is saved: a dry-run forget
 * on the repository's maintenance host. Its result lists what is kept and what is removed.
 */
export async function previewRetention(
  deps: { db: Db; jobs: JobService },
  input: { backupSetId: string; policy: TRetentionPolicy },
  actor: Actor,
  meta: RequestMeta,
) {
  const set = found(
    await deps.db.backupSet.findUnique({
      where: { id: input.backupSetId },
      include: { repository: { select: { name: true, maintenanceHostId: true } } },
    }),
    "No such backup set",
  );
  const hostId = set.repository.maintenanceHostId;
  if (!hostId) {
    throw new AppError(
      "BAD_REQUEST",
      `"${set.repository.name}" has no maintenance host, so retention cannot run: give it a maintenance endpoint and host first`,
    );
  }
  const job = await deps.jobs.create(
    {
      hostId,
      repositoryId: set.repositoryId,
      params: { ...forgetParams(set, input.policy), dryRun: true },
    },
    actor,
    meta,
    { backupSetId: set.id },
  );
  return { jobId: job.id };
}
