import type { IncomingMessage } from "node:http";
import { CREDENTIAL_PROCEDURES, MAX_BATCH_CALLS } from "@restic-manager/contracts";
import { TRPCError } from "@trpc/server";
import type { CreateExpressContextOptions } from "@trpc/server/adapters/express";
import type { CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
import type { Request, Response } from "express";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { SESSION_ENDED } from "../auth/service.js";
import type { AppDeps } from "../deps.js";
import { type AgentIdentity, authenticateAgent } from "../hosts/authenticate.js";

export const SESSION_COOKIE = "rm_session";

export interface Context {
  deps: AppDeps;
  /** Who is asking; undefined when nobody valid is signed in. */
  actor: Actor | undefined;
  /** Why credentials that were presented were refused (for the error and the audit log). */
  credentialProblem: string | undefined;
  /** The endpoint agent on the other end of a WebSocket; undefined for browsers and scripts. */
  agent: (AgentIdentity & { close(code: number, reason: string): void }) | undefined;
  meta: RequestMeta;
  setSessionCookie(value: string, expiresAt: Date): void;
  clearSessionCookie(): void;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function requestMeta(req: Request | IncomingMessage): RequestMeta {
  return {
    ip: ("ip" in req ? req.ip : undefined) ?? req.socket.remoteAddress,
    userAgent: req.headers["user-agent"],
  };
}

const THROTTLED = "too many refused credentials from this address";

/** 30 sign-ins in one batch would all meet the throttle before the first failure counted. */
function refuseBatch(info: CreateExpressContextOptions["info"]): void {
  if (info.calls.length > MAX_BATCH_CALLS) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `A request may carry at most ${MAX_BATCH_CALLS} calls`,
    });
  }
  const credential = info.calls.find((call) => CREDENTIAL_PROCEDURES.has(call.path));
  if (credential && info.calls.length > 1) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `${credential.path} must be sent on its own, not in a batch`,
    });
  }
}

/** Browsers and scripts over HTTP: a session cookie or an API token. */
export function createContextFactory(deps: AppDeps) {
  const secure = deps.config.publicUrl.startsWith("https:");
  const cookieOptions = { httpOnly: true, sameSite: "strict", secure, path: "/" } as const;

  return async ({ req, res, info }: CreateExpressContextOptions): Promise<Context> => {
    refuseBatch(info);
    const base = {
      deps,
      agent: undefined,
      meta: requestMeta(req),
      setSessionCookie(value: string, expiresAt: Date) {
        (res as Response).cookie(SESSION_COOKIE, value, { ...cookieOptions, expires: expiresAt });
      },
      clearSessionCookie() {
        (res as Response).clearCookie(SESSION_COOKIE, cookieOptions);
      },
    };

    const authorization = req.headers.authorization;
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (authorization === undefined && cookie === undefined) {
      return { ...base, actor: undefined, credentialProblem: undefined };
    }
    // Refused credentials are counted per address; past the allowance, none is even looked up.
    const address = base.meta.ip ?? "unknown";
    const waitMs = deps.credentialFailures.retryAfterMs(address);
    const refuse = async (
      action: "token.rejected" | "auth.cookie_rejected",
      reason: string,
      tokenId?: string,
    ) => {
      if (waitMs === 0) deps.credentialFailures.recordFailure(address);
      await deps.refusals.record({
        action,
        ip: base.meta.ip,
        reason,
        target: tokenId ? { type: "token", id: tokenId } : undefined,
      });
      const problem =
        reason === THROTTLED ? `${reason}: try again in ${Math.ceil(waitMs / 1000)} s` : reason;
      return { ...base, actor: undefined, credentialProblem: problem };
    };

    if (authorization !== undefined) {
      if (waitMs > 0) return refuse("token.rejected", THROTTLED);
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match?.[1]) return refuse("token.rejected", "malformed Authorization header");
      const check = await deps.auth.authenticateToken(match[1]);
      if ("actor" in check) return { ...base, actor: check.actor, credentialProblem: undefined };
      return refuse("token.rejected", check.rejected, check.tokenId);
    }

    if (waitMs > 0) return refuse("auth.cookie_rejected", THROTTLED);
    const check = await deps.auth.authenticateSession(cookie ?? "");
    if ("actor" in check) return { ...base, actor: check.actor, credentialProblem: undefined };
    // A session that ended is what every browser sends after a sign-out elsewhere: not an attack.
    if (check.rejected === SESSION_ENDED) {
      return { ...base, actor: undefined, credentialProblem: check.rejected };
    }
    return refuse("auth.cookie_rejected", check.rejected);
  };
}

/**
 * Agents over WebSocket: built once per connection from its connection params. A refusal
 * throws, which sends the reason to the agent and closes the socket.
 */
export function createAgentContextFactory(
  deps: AppDeps,
  link: {
    authenticated: WeakSet<object>;
    /** The client's address, through trusted proxies (see clientAddress). */
    addressOf(req: IncomingMessage): string | undefined;
  },
) {
  return async ({ req, res: socket, info }: CreateWSSContextFnOptions): Promise<Context> => {
    const meta = { ip: link.addressOf(req), userAgent: req.headers["user-agent"] };
    const identity = await authenticateAgent(deps, info.connectionParams, meta);
    link.authenticated.add(socket);
    const detach = deps.agents.attach(identity.hostId, {
      close: (code, reason) => socket.close(code, reason),
    });
    socket.once("close", detach);
    return {
      deps,
      actor: undefined,
      credentialProblem: undefined,
      agent: { ...identity, close: (code, reason) => socket.close(code, reason) },
      meta,
      setSessionCookie() {},
      clearSessionCookie() {},
    };
  };
}
