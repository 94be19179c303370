import type { IncomingMessage } from "node:http";
import type { CreateExpressContextOptions } from "@trpc/server/adapters/express";
import type { CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
import type { Request, Response } from "express";
import { type AgentIdentity, authenticateAgent } from "../agents/authenticate.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { AppDeps } from "../deps.js";

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

/** Browsers and scripts over HTTP: a session cookie or an API token. */
export function createContextFactory(deps: AppDeps) {
  const secure = deps.config.publicUrl.startsWith("https:");
  const cookieOptions = { httpOnly: true, sameSite: "strict", secure, path: "/" } as const;

  return async ({ req, res }: CreateExpressContextOptions): Promise<Context> => {
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
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match?.[1]) {
        return { ...base, actor: undefined, credentialProblem: "malformed Authorization header" };
      }
      const check = await deps.auth.authenticateToken(match[1]);
      return "actor" in check
        ? { ...base, actor: check.actor, credentialProblem: undefined }
        : { ...base, actor: undefined, credentialProblem: check.rejected };
    }

    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (cookie !== undefined) {
      const actor = await deps.auth.authenticateSession(cookie);
      if (actor) return { ...base, actor, credentialProblem: undefined };
      return { ...base, actor: undefined, credentialProblem: "session expired or revoked" };
    }
    return { ...base, actor: undefined, credentialProblem: undefined };
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
    /** Called with the address of every refused connection (for the connect throttle). */
    onRefused(address: string | undefined): void;
  },
) {
  return async ({ req, res: socket, info }: CreateWSSContextFnOptions): Promise<Context> => {
    const meta = { ip: link.addressOf(req), userAgent: req.headers["user-agent"] };
    let identity: AgentIdentity;
    try {
      identity = await authenticateAgent(deps, info.connectionParams, meta);
    } catch (error) {
      link.onRefused(meta.ip);
      throw error;
    }
    link.authenticated.add(socket);
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
