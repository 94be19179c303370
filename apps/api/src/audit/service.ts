import type { TAuditAction, TAuditFilter, TAuditOutcome } from "@restic-manager/contracts";
import type { Actor } from "../auth/actor.js";
import type { Db } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";

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
  const actor = record.actor ?? { type: "system", name: "system" };
  const row = await db.auditEvent.create({
    data: {
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
    },
    select: { id: true },
  });
  return row.id;
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

export async function listAudit(db: Db, filter: TAuditFilter) {
  const where: Prisma.AuditEventWhereInput = {
    action: filter.action,
    outcome: filter.outcome,
    actorName: filter.actor ? { contains: filter.actor } : undefined,
    at: filter.from || filter.to ? { gte: filter.from, lte: filter.to } : undefined,
    OR: filter.target
      ? [
          { targetName: { contains: filter.target } },
          { targetId: filter.target },
          { targetType: filter.target },
        ]
      : undefined,
  };
  const rows = await db.auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: filter.limit + 1,
    ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map((row) => ({
      ...row,
      details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    })),
    nextCursor: rows.length > filter.limit ? page.at(-1)?.id : undefined,
  };
}
