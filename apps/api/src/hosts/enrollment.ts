import type { TEnrollRequest, TEnrollResponse } from "@restic-manager/contracts";
import type { RefusalLog } from "../audit/refusals.js";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { issueToken, parseToken, secretMatches } from "../auth/opaqueToken.js";
import type { LoginThrottle } from "../auth/throttle.js";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import { keysetOrder } from "../pagination.js";

const HOUR_MS = 3_600_000;

export async function createEnrollmentToken(
  db: Db,
  input: { expiresInHours: number; note?: string | undefined },
  actor: Actor,
  meta: RequestMeta,
) {
  const issued = issueToken("rme");
  const expiresAt = new Date(Date.now() + input.expiresInHours * HOUR_MS);
  await db.$transaction(async (tx) => {
    await tx.enrollmentToken.create({
      data: {
        id: issued.id,
        secretHash: issued.secretHash,
        note: input.note ?? null,
        createdBy: actor.username,
        expiresAt,
      },
    });
    await recordAudit(tx, {
      action: "enrollment.created",
      actor,
      target: { type: "enrollment", id: issued.id, name: input.note },
      ip: meta.ip,
      details: { expiresAt: expiresAt.toISOString() },
    });
  });
  return { id: issued.id, token: issued.token, expiresAt };
}

/** The newest enrollment tokens, up to a hard cap, on the (createdAt, id) index. */
export const ENROLLMENT_LIST_CAP = 200;

export async function listEnrollmentTokens(db: Db) {
  const tokens = await db.enrollmentToken.findMany({
    orderBy: keysetOrder("createdAt", "desc"),
    take: ENROLLMENT_LIST_CAP,
  });
  const now = Date.now();
  return tokens.map(({ secretHash: _hash, ...token }) => ({
    ...token,
    status: token.revokedAt
      ? ("revoked" as const)
      : token.usedAt
        ? ("used" as const)
        : token.expiresAt.getTime() <= now
          ? ("expired" as const)
          : ("active" as const),
  }));
}

export async function revokeEnrollmentToken(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const token = found(
      await tx.enrollmentToken.findUnique({ where: { id } }),
      "No such enrollment token",
    );
    if (token.revokedAt || token.usedAt) return;
    await tx.enrollmentToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      action: "enrollment.revoked",
      actor,
      target: { type: "enrollment", id, name: token.note ?? undefined },
      ip: meta.ip,
    });
  });
}

/** How often an enrollment starts again when the name it chose was taken meanwhile. */
const NAME_ATTEMPTS = 5;

/** A unique display name: the hostname, or hostname-2, -3… when another host has it. */
async function freeHostName(tx: Prisma.TransactionClient, hostname: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? hostname : `${hostname}-${n}`;
    if (!(await tx.host.findUnique({ where: { name } }))) return name;
  }
}

/**
 * Trades a one-time enrollment token for a new host and its credential. The token is spent
 * in the same transaction that creates the host, so two agents cannot share one.
 */
export async function enrollHost(
  deps: { db: Db; refusals: RefusalLog; credentialFailures: LoginThrottle },
  request: TEnrollRequest,
  meta: RequestMeta,
): Promise<TEnrollResponse> {
  const { db } = deps;
  const address = meta.ip ?? "unknown";
  const waitMs = deps.credentialFailures.retryAfterMs(address);
  const parsed = parseToken("rme", request.token);
  // Refusals are counted per address and audited aggregated (see RefusalLog).
  const refuse = async (reason: string) => {
    deps.credentialFailures.recordFailure(address);
    await deps.refusals.record({
      action: "host.enroll_refused",
      ip: meta.ip,
      reason,
      actorName: request.hostname,
      target: parsed ? { type: "enrollment", id: parsed.id } : undefined,
    });
    return new AppError("UNAUTHORIZED", `Enrollment refused: ${reason}`);
  };
  if (waitMs > 0) {
    await deps.refusals.record({
      action: "host.enroll_refused",
      ip: meta.ip,
      reason: "too many refused enrollments from this address",
    });
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many refused enrollments from this address: try again in ${Math.ceil(waitMs / 1000)} s`,
      { retryAfterSeconds: Math.ceil(waitMs / 1000) },
    );
  }
  if (!parsed) throw await refuse("the token is malformed");
  const credential = issueToken("rma");
  const enroll = () =>
    db.$transaction(async (tx) => {
      const token = await tx.enrollmentToken.findUnique({ where: { id: parsed.id } });
      if (!token || !secretMatches(parsed.secret, token.secretHash)) return "the token is unknown";
      if (token.revokedAt) return "the token was revoked";
      if (token.usedAt) return "the token was already used";
      if (token.expiresAt.getTime() <= Date.now()) return "the token has expired";
      // Claimed before anything is written: of two enrollments with one token at once (on
      // PostgreSQL they may run side by side), the second waits for the first and finds it used.
      const claimed = await tx.enrollmentToken.updateMany({
        where: { id: token.id, usedAt: null },
        data: { usedAt: new Date() },
      });
      if (claimed.count !== 1) return "the token was already used";
      const host = await tx.host.create({
        data: {
          id: credential.id,
          name: await freeHostName(tx, request.hostname),
          hostname: request.hostname,
          os: request.os,
          arch: request.arch,
          agentVersion: request.agentVersion,
          credentialHash: credential.secretHash,
        },
      });
      await tx.enrollmentToken.update({ where: { id: token.id }, data: { hostId: host.id } });
      await recordAudit(tx, {
        action: "host.enrolled",
        actor: { type: "anonymous", name: request.hostname },
        target: { type: "host", id: host.id, name: host.name },
        ip: meta.ip,
        details: { enrollmentToken: token.id, os: request.os },
      });
      return host;
    });
  // Two hosts of one hostname enrolling at once may both find the same name free: the one
  // whose insert loses starts again (its transaction wrote nothing) and takes the next name.
  let result: Awaited<ReturnType<typeof enroll>> | undefined;
  for (let attempt = 1; result === undefined; attempt++) {
    try {
      result = await enroll();
    } catch (error) {
      const nameTaken =
        error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      if (!nameTaken || attempt >= NAME_ATTEMPTS) throw error;
    }
  }
  if (typeof result === "string") throw await refuse(result);
  return { hostId: result.id, hostName: result.name, credential: credential.token };
}
