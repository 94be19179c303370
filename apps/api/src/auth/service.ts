import { randomBytes } from "node:crypto";
import {
  lowerRole,
  type TChangePasswordInput,
  type TLoginInput,
  type TRole,
  type TSetupInput,
  ZRole,
} from "@restic-manager/contracts";
import type { RefusalLog } from "../audit/refusals.js";
import { recordAudit } from "../audit/service.js";
import { type Db, directStatements } from "../db.js";
import { AppError } from "../errors.js";
import type { Actor, RequestMeta } from "./actor.js";
import { parseToken, secretMatches } from "./opaqueToken.js";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./password.js";
import type { SessionTokens } from "./sessionToken.js";
import { ACCOUNT_RULE, ADDRESS_RULE, LoginThrottle } from "./throttle.js";

/** Refresh a session's last-seen time at most this often, so reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface AuthServiceOptions {
  db: Db;
  /** Failed sign-ins and refused credentials go to the audit log through it, aggregated. */
  refusals: RefusalLog;
  /** Refused tokens and cookies per client address. */
  credentialFailures: LoginThrottle;
  sessionTokens: SessionTokens;
  sessionTtlSeconds: number;
  now?: () => number;
}

export interface SignedIn {
  user: { id: string; username: string; role: TRole };
  cookie: string;
  expiresAt: Date;
}

/** Token authentication either names an actor or says why it refused. */
export type TokenCheck = { actor: Actor } | { rejected: string; tokenId?: string };

/** A session that ended (signed out, expired, revoked, owner disabled): normal, not audited. */
export const SESSION_ENDED = "session expired or revoked";
export type SessionCheck = { actor: Actor } | { rejected: string };

export class AuthService {
  readonly accountThrottle: LoginThrottle;
  readonly addressThrottle: LoginThrottle;
  private readonly db: Db;
  private readonly now: () => number;

  constructor(private readonly options: AuthServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.accountThrottle = new LoginThrottle(ACCOUNT_RULE, this.now);
    this.addressThrottle = new LoginThrottle(ADDRESS_RULE, this.now);
  }

  async needsSetup(): Promise<boolean> {
    return (await this.db.user.count()) === 0;
  }

  /** Creates the first admin; refused once any user exists, however many ask at once. */
  async setupFirstAdmin(input: TSetupInput, meta: RequestMeta): Promise<SignedIn> {
    const passwordHash = await hashPassword(input.password);
    const user = await this.db.$transaction(async (tx) => {
      if ((await tx.user.count()) > 0) {
        throw new AppError("CONFLICT", "Set-up is already done: sign in instead");
      }
      const created = await tx.user.create({
        data: { username: input.username, passwordHash, role: "admin" },
      });
      await recordAudit(tx, {
        action: "auth.setup",
        actor: { type: "anonymous", name: input.username },
        target: { type: "user", id: created.id, name: created.username },
        ip: meta.ip,
      });
      return created;
    });
    return this.startSession({ id: user.id, username: user.username, role: "admin" }, meta);
  }

  async login(input: TLoginInput, meta: RequestMeta): Promise<SignedIn> {
    const accountKey = input.username.toLowerCase();
    const addressKey = meta.ip ?? "unknown";
    const waitMs = Math.max(
      this.accountThrottle.retryAfterMs(accountKey),
      this.addressThrottle.retryAfterMs(addressKey),
    );
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      await this.options.refusals.record({
        action: "auth.login_throttled",
        ip: meta.ip,
        reason: "too many failed sign-ins",
        actorName: input.username,
      });
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `Too many failed sign-ins: try again in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }

    // Counted before the password is checked: attempts made at the same time (a batch, or
    // parallel requests) cannot all pass the throttle before the first failure is counted.
    this.accountThrottle.recordFailure(accountKey);
    this.addressThrottle.recordFailure(addressKey);

    const user = await this.db.user.findUnique({ where: { username: input.username } });
    let reason: string | undefined;
    if (!user) {
      await burnPasswordCheck(input.password);
      reason = "unknown user";
    } else if (!(await verifyPassword(user.passwordHash, input.password))) {
      reason = "wrong password";
    } else if (user.disabled) {
      reason = "account disabled";
    }
    if (!user || reason) {
      await this.options.refusals.record({
        action: "auth.login_failed",
        ip: meta.ip,
        reason: reason ?? "unknown user",
        actorName: input.username,
        target: user ? { type: "user", id: user.id, name: user.username } : undefined,
      });
      // One message for every cause, so it does not tell which usernames exist.
      throw new AppError("UNAUTHORIZED", "Wrong username or password");
    }

    this.accountThrottle.recordSuccess(accountKey);
    this.addressThrottle.forgiveLatest(addressKey);
    const signedIn = await this.startSession(
      { id: user.id, username: user.username, role: ZRole.parse(user.role) },
      meta,
    );
    await recordAudit(this.db, {
      action: "auth.login",
      actor: { type: "anonymous", name: user.username },
      target: { type: "user", id: user.id, name: user.username },
      ip: meta.ip,
    });
    return signedIn;
  }

  private async startSession(user: SignedIn["user"], meta: RequestMeta): Promise<SignedIn> {
    const expiresAt = new Date(this.now() + this.options.sessionTtlSeconds * 1000);
    const session = await this.db.session.create({
      data: {
        id: randomBytes(18).toString("base64url"),
        userId: user.id,
        expiresAt,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      },
    });
    const cookie = await this.options.sessionTokens.sign(
      { sessionId: session.id, userId: user.id },
      expiresAt,
    );
    return { user, cookie, expiresAt };
  }

  /**
   * The signed-in user behind a session cookie, or why it is refused: a cookie this server
   * did not sign is forged; one it signed may have ended since.
   */
  async authenticateSession(cookie: string): Promise<SessionCheck> {
    const claims = await this.options.sessionTokens.verify(cookie);
    if (!claims) return { rejected: "forged session cookie" };
    // Every request of a signed-in browser asks this: one statement of the server's own (see
    // statements.ts), not Prisma's two.
    const session = await directStatements(this.db).get<{
      id: string;
      userId: string;
      revokedAt: string | null;
      expiresAt: string;
      lastSeenAt: string;
      username: string;
      role: string;
      disabled: number;
    }>(
      `SELECT s."id", s."userId", s."revokedAt", s."expiresAt", s."lastSeenAt",
           u."username", u."role", u."disabled"
         FROM "Session" s JOIN "User" u ON u."id" = s."userId" WHERE s."id" = ?`,
      claims.sessionId,
    );
    const now = this.now();
    if (
      !session ||
      session.userId !== claims.userId ||
      session.revokedAt ||
      Date.parse(session.expiresAt) <= now ||
      session.disabled
    ) {
      return { rejected: SESSION_ENDED };
    }
    if (now - Date.parse(session.lastSeenAt) > LAST_SEEN_RESOLUTION_MS) {
      await this.db.session.update({
        where: { id: session.id },
        data: { lastSeenAt: new Date(now) },
      });
    }
    return {
      actor: {
        type: "user",
        userId: session.userId,
        username: session.username,
        role: ZRole.parse(session.role),
        sessionId: session.id,
      },
    };
  }

  async authenticateToken(bearer: string): Promise<TokenCheck> {
    const parsed = parseToken("rmt", bearer);
    if (!parsed) return { rejected: "malformed token" };
    // Every request of a script asks this: one statement of the server's own (see
    // statements.ts), not Prisma's two.
    const token = await directStatements(this.db).get<{
      id: string;
      name: string;
      secretHash: string;
      role: string;
      expiresAt: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      userId: string;
      username: string;
      userRole: string;
      disabled: number;
    }>(
      `SELECT t."id", t."name", t."secretHash", t."role", t."expiresAt", t."lastUsedAt",
           t."revokedAt", t."userId", u."username", u."role" AS "userRole", u."disabled"
         FROM "ApiToken" t JOIN "User" u ON u."id" = t."userId" WHERE t."id" = ?`,
      parsed.id,
    );
    if (!token || !secretMatches(parsed.secret, token.secretHash)) {
      return { rejected: "unknown token", tokenId: parsed.id };
    }
    if (token.revokedAt) return { rejected: "revoked token", tokenId: token.id };
    if (token.expiresAt && Date.parse(token.expiresAt) <= this.now()) {
      return { rejected: "expired token", tokenId: token.id };
    }
    if (token.disabled) return { rejected: "owner disabled", tokenId: token.id };
    const now = this.now();
    if (!token.lastUsedAt || now - Date.parse(token.lastUsedAt) > LAST_SEEN_RESOLUTION_MS) {
      await this.db.apiToken.update({
        where: { id: token.id },
        data: { lastUsedAt: new Date(now) },
      });
    }
    return {
      actor: {
        type: "token",
        userId: token.userId,
        username: token.username,
        // Never more than the owner may do today: demoting the owner demotes their tokens.
        role: lowerRole(ZRole.parse(token.role), ZRole.parse(token.userRole)),
        tokenId: token.id,
        tokenName: token.name,
      },
    };
  }

  async logout(actor: Extract<Actor, { type: "user" }>, meta: RequestMeta): Promise<void> {
    await this.db.session.updateMany({
      where: { id: actor.sessionId, revokedAt: null },
      data: { revokedAt: new Date(this.now()) },
    });
    await recordAudit(this.db, { action: "auth.logout", actor, ip: meta.ip });
  }

  async changePassword(
    actor: Extract<Actor, { type: "user" }>,
    input: TChangePasswordInput,
    meta: RequestMeta,
  ): Promise<void> {
    const accountKey = actor.username.toLowerCase();
    const waitMs = this.accountThrottle.retryAfterMs(accountKey);
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `Too many wrong passwords: try again in ${retryAfterSeconds} s`,
        {
          retryAfterSeconds,
        },
      );
    }
    const user = await this.db.user.findUniqueOrThrow({ where: { id: actor.userId } });
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      this.accountThrottle.recordFailure(accountKey);
      await recordAudit(this.db, {
        action: "auth.password_changed",
        outcome: "failure",
        actor,
        target: { type: "user", id: user.id, name: user.username },
        ip: meta.ip,
        details: { reason: "wrong current password" },
      });
      throw new AppError("BAD_REQUEST", "The current password is wrong");
    }
    const passwordHash = await hashPassword(input.newPassword);
    await this.db.$transaction([
      this.db.user.update({ where: { id: user.id }, data: { passwordHash } }),
      // Every other sign-in ends: whoever knew the old password is out.
      this.db.session.updateMany({
        where: { userId: user.id, revokedAt: null, id: { not: actor.sessionId } },
        data: { revokedAt: new Date(this.now()) },
      }),
    ]);
    await recordAudit(this.db, {
      action: "auth.password_changed",
      actor,
      target: { type: "user", id: user.id, name: user.username },
      ip: meta.ip,
    });
  }

  /** Ends every session of a user (all devices). Returns how many were open. */
  async revokeAllSessions(userId: string, actor: Actor, meta: RequestMeta): Promise<number> {
    const { count } = await this.db.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date(this.now()) },
    });
    const user = await this.db.user.findUnique({ where: { id: userId } });
    await recordAudit(this.db, {
      action: "auth.sessions_revoked",
      actor,
      target: { type: "user", id: userId, name: user?.username },
      ip: meta.ip,
      details: { sessions: count },
    });
    return count;
  }

  async listSessions(userId: string) {
    const sessions = await this.db.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date(this.now()) } },
      orderBy: { lastSeenAt: "desc" },
    });
    return sessions.map(({ id, createdAt, lastSeenAt, expiresAt, ip, userAgent }) => ({
      id,
      createdAt,
      lastSeenAt,
      expiresAt,
      ip,
      userAgent,
    }));
  }
}
