import type { TAuditAction, TAuditFilter, TAuditOutcome } from "@restic-manager/contracts";
import type { Actor } from "../auth/actor.js";
import type { Db } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";
import { newId } from "../ids.js";
import { afterKeyset, decodeCursorOf, keysetOrder, mergeKeyset, pageOf } from "../pagination.js";
import type { SqlRunner } from "../statements.js";

export interface AuditRecord {
  action: TAuditAction;
  outcome?: TAuditOutcome;
  /** Who acted; a bare name when nobody is signed in (e.g. a failed login's username). */
  actor?:
    | Actor
    | { type: "anonymous"; name?: string }
    | { type: "system"; name: string }
    | { type: "schedule"; name: string };
  target?: { type: string; id?: string; name?: string };
  ip?: string | undefined;
  /** Context for the reader; never a secret. */
  details?: Record<string, unknown>;
}

/** Writes one audit row; returns its id. */
export async function recordAudit(
  db: Db | Prisma.TransactionClient,
  record: AuditRecord,
): Promise<string> {
  const row = await db.auditEvent.create({ data: auditRow(record), select: { id: true } });
  return row.id;
}

/**
 * Writes one audit row with the server's own statement, inside whatever transaction the
 * caller runs (the job path's: see statements.ts); returns its id.
 */
export async function insertAudit(sql: SqlRunner, record: AuditRecord): Promise<string> {
  const row = auditRow(record);
  const id = newId();
  await sql.run(
    `INSERT INTO "AuditEvent" ("id", "at", "actorType", "actorId", "actorName", "action",
       "outcome", "targetType", "targetId", "targetName", "ip", "details")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    new Date(),
    row.actorType,
    row.actorId,
    row.actorName,
    row.action,
    row.outcome,
    row.targetType,
    row.targetId,
    row.targetName,
    row.ip,
    row.details,
  );
  return id;
}

function auditRow(record: AuditRecord) {
  const actor = record.actor ?? { type: "system" as const, name: "system" };
  return {
    action: record.action,
    outcome: record.outcome ?? "success",
    actorType: actor.type,
    actorId: "userId" in actor ? actor.userId : null,
    actorName: actorName(actor),
    targetType: record.target?.type ?? null,
    targetId: record.target?.id ?? null,
    targetName: record.target?.name ?? null,
    ip: record.ip ?? null,
    details: record.details ? JSON.stringify(record.details) : null,
  };
}

function actorName(actor: NonNullable<AuditRecord["actor"]>): string | null {
  switch (actor.type) {
    case "user":
      return actor.username;
    case "token":
      return `${actor.username} (token ${actor.tokenName})`;
    case "anonymous":
      return actor.name ?? null;
    case "system":
    case "schedule":
      return actor.name;
    default: {
      const exhaustive: never = actor;
      return exhaustive;
    }
  }
}

/**
 * A page of the audit log, newest first. Each filter matches exactly (an actor's name, a
 * target's name or id) so that it is an index range in time order; a target is either of two
 * ranges, merged.
 */
export async function listAudit(db: Db, filter: TAuditFilter) {
  const after = decodeCursorOf(filter.cursor, "date");
  const take = filter.limit + 1;
  const base: Prisma.AuditEventWhereInput = {
    action: filter.action,
    outcome: filter.outcome,
    actorName: filter.actor,
    at: filter.from || filter.to ? { gte: filter.from, lte: filter.to } : undefined,
    ...afterKeyset("at", "desc", after),
  };
  const targets: Prisma.AuditEventWhereInput[] = filter.target
    ? [{ targetName: filter.target }, { targetId: filter.target }]
    : [{}];
  const parts = await Promise.all(
    targets.map((target) =>
      db.auditEvent.findMany({
        where: { ...base, ...target },
        orderBy: keysetOrder("at", "desc"),
        take,
      }),
    ),
  );
  const rows = mergeKeyset(parts, take, (row) => row.at, "desc");
  const { page, nextCursor } = pageOf(rows, filter.limit, (row) => row.at);
  return {
    items: page.map((row) => ({
      ...row,
      details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    })),
    nextCursor: nextCursor ?? undefined,
  };
}
