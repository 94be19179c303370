import { lowerRole, type TCreateApiTokenInput, ZRole } from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { issueToken } from "../auth/opaqueToken.js";
import type { Db } from "../db.js";
import { found } from "../errors.js";
import { keysetOrder } from "../pagination.js";

const DAY_MS = 86_400_000;

/** Tokens are made by hand for scripts: the newest ones, up to a hard cap, not paged. */
export const API_TOKEN_LIST_CAP = 500;

export async function listApiTokens(db: Db) {
  const tokens = await db.apiToken.findMany({
    orderBy: keysetOrder("createdAt", "desc"),
    take: API_TOKEN_LIST_CAP,
    include: { user: { select: { username: true, role: true, disabled: true } } },
  });
  // The secret hash stays in the database.
  return tokens.map(({ secretHash: _hash, user, role, ...token }) => ({
    ...token,
    /** What the token may do now: its granted role, capped by its owner's current role. */
    role: lowerRole(ZRole.parse(role), ZRole.parse(user.role)),
    grantedRole: ZRole.parse(role),
    ownerDisabled: user.disabled,
    createdBy: user.username,
  }));
}

/** Returns the token in full: this is the only time anyone sees it. */
export async function createApiToken(
  db: Db,
  input: TCreateApiTokenInput,
  actor: Actor,
  meta: RequestMeta,
) {
  const issued = issueToken("rmt");
  const expiresAt = input.expiresInDays
    ? new Date(Date.now() + input.expiresInDays * DAY_MS)
    : null;
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: {
        id: issued.id,
        name: input.name,
        secretHash: issued.secretHash,
        role: input.role,
        userId: actor.userId,
        expiresAt,
      },
    });
    await recordAudit(tx, {
      action: "token.created",
      actor,
      target: { type: "token", id: created.id, name: created.name },
      ip: meta.ip,
      details: { role: created.role, expiresAt: created.expiresAt?.toISOString() ?? null },
    });
    return created;
  });
  return {
    token: issued.token,
    id: row.id,
    name: row.name,
    role: row.role,
    expiresAt: row.expiresAt,
  };
}

export async function revokeApiToken(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const token = found(await tx.apiToken.findUnique({ where: { id } }), "No such API token");
    if (token.revokedAt) return;
    await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "token.revoked",
      actor,
      target: { type: "token", id: token.id, name: token.name },
      ip: meta.ip,
    });
  });
}
