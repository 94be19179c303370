import {
  narrow,
  ROLES,
  type TCreateUserInput,
  type TUpdateUserInput,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { hashPassword } from "../auth/password.js";
import { type Db, rethrowUnique } from "../db.js";
import { AppError, found } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";

const PUBLIC_FIELDS = {
  id: true,
  username: true,
  role: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** Users are people, not endpoints: the list is one page with a hard cap, not paged. */
export const USER_LIST_CAP = 500;

export async function listUsers(db: Db) {
  const now = new Date();
  const users = await db.user.findMany({
    orderBy: { username: "asc" },
    take: USER_LIST_CAP,
    select: {
      ...PUBLIC_FIELDS,
      sessions: {
        where: { revokedAt: null, expiresAt: { gt: now } },
        select: { lastSeenAt: true },
      },
    },
  });
  return users.map(({ sessions, ...user }) => ({
    ...user,
    role: narrow(ROLES, user.role),
    activeSessions: sessions.length,
    lastSeenAt: sessions.reduce<Date | null>(
      (latest, s) => (!latest || s.lastSeenAt > latest ? s.lastSeenAt : latest),
      null,
    ),
  }));
}

/** Creates a user; the CLI calls this too, with a system actor. */
export async function createUser(
  db: Db,
  input: TCreateUserInput,
  actor: Actor | { type: "system"; name: string },
  meta?: RequestMeta,
) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { username: input.username, passwordHash, role: input.role },
        select: PUBLIC_FIELDS,
      });
      await recordAudit(tx, {
        action: "user.created",
        actor,
        target: { type: "user", id: user.id, name: user.username },
        ip: meta?.ip,
        details: { role: user.role },
      });
      return user;
    });
  } catch (error) {
    rethrowUnique(error, `A user named "${input.username}" already exists`);
  }
}

async function assertAnotherAdminRemains(tx: Prisma.TransactionClient, userId: string) {
  const admins = await tx.user.count({
    where: { role: "admin", disabled: false, id: { not: userId } },
  });
  if (admins === 0) {
    throw new AppError("BAD_REQUEST", "This is the last active admin: make another admin first");
  }
}

export async function updateUser(db: Db, input: TUpdateUserInput, actor: Actor, meta: RequestMeta) {
  return db.$transaction(async (tx) => {
    const user = found(await tx.user.findUnique({ where: { id: input.id } }), "No such user");
    const demoted = input.role !== undefined && input.role !== "admin" && user.role === "admin";
    const disabling = input.disabled === true && !user.disabled;
    if (disabling && user.id === actor.userId) {
      throw new AppError("BAD_REQUEST", "You cannot disable your own account");
    }
    if ((demoted || disabling) && user.role === "admin") {
      await assertAnotherAdminRemains(tx, user.id);
    }
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { role: input.role, disabled: input.disabled },
      select: PUBLIC_FIELDS,
    });
    // A disabled account's sessions end now, not when they expire.
    if (disabling) {
      await tx.session.updateMany({
        where: { userId: user.id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    }
    await recordAudit(tx, {
      action: "user.updated",
      actor,
      target: { type: "user", id: user.id, name: user.username },
      ip: meta.ip,
      details: {
        ...(input.role !== undefined && input.role !== user.role
          ? { role: { from: user.role, to: input.role } }
          : {}),
        ...(input.disabled !== undefined && input.disabled !== user.disabled
          ? { disabled: input.disabled }
          : {}),
      },
    });
    return updated;
  });
}

export async function resetPassword(
  db: Db,
  input: { id: string; password: string },
  actor: Actor,
  meta: RequestMeta,
) {
  const passwordHash = await hashPassword(input.password);
  await db.$transaction(async (tx) => {
    const user = found(await tx.user.findUnique({ where: { id: input.id } }), "No such user");
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await tx.session.updateMany({
      where: { userId: user.id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await recordAudit(tx, {
      action: "user.password_reset",
      actor,
      target: { type: "user", id: user.id, name: user.username },
      ip: meta.ip,
    });
  });
}

export async function deleteUser(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const user = found(await tx.user.findUnique({ where: { id } }), "No such user");
    if (user.id === actor.userId) {
      throw new AppError("BAD_REQUEST", "You cannot delete your own account");
    }
    if (user.role === "admin") await assertAnotherAdminRemains(tx, user.id);
    // Sessions and API tokens go with the user (cascade).
    await tx.user.delete({ where: { id } });
    await recordAudit(tx, {
      action: "user.deleted",
      actor,
      target: { type: "user", id: user.id, name: user.username },
      ip: meta.ip,
    });
  });
}
