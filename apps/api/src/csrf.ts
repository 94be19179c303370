import type { NextFunction, Request, Response } from "express";
import { readCookie, SESSION_COOKIE } from "./trpc/context.js";

/**
 * Cross-site request forgery, refused before tRPC sees the request (mounted on /trpc).
 *
 * A page on another site can make a browser POST a form (urlencoded, multipart, text/plain)
 * without asking first, and tRPC would run a mutation from a multipart body. Every client of
 * this API sends JSON, which another site cannot send without a CORS preflight the server
 * never grants. Browsers also say where a request comes from (Origin, Sec-Fetch-Site), and a
 * request from another site is refused, so the session cookie's SameSite=Strict is not the
 * only defence. A script with an API token and no cookie is exempt: a browser never attaches
 * a token on its own, and scripts send no Origin worth checking.
 */
export function refuseCrossSiteRequests(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;

  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    if (mediaType(req.headers["content-type"]) !== "application/json") {
      res.status(415).json({
        error: {
          code: "UNSUPPORTED_MEDIA_TYPE",
          message: "Requests to /trpc must send a body of type application/json",
        },
      });
      return;
    }
    const hasSession = readCookie(req.headers.cookie, SESSION_COOKIE) !== undefined;
    if (!hasSession && req.headers.authorization !== undefined) {
      next();
      return;
    }
    const problem = crossSiteProblem(req, publicOrigin);
    if (problem) {
      res.status(403).json({
        error: { code: "FORBIDDEN", message: `Refused a cross-site request: ${problem}` },
      });
      return;
    }
    next();
  };
}

/** Reads and subscriptions (GET, server-sent events) change nothing. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Sent by the page itself (same-origin) or typed into the address bar (none). */
const OWN_FETCH_SITES = new Set(["same-origin", "none"]);

function crossSiteProblem(req: Request, publicOrigin: string): string | undefined {
  const fetchSite = req.get("sec-fetch-site");
  if (fetchSite !== undefined && !OWN_FETCH_SITES.has(fetchSite)) {
    return `the browser says it came from a ${fetchSite} page`;
  }
  const origin = req.get("origin");
  if (origin === undefined) return undefined;
  const from = originOf(origin);
  if (from !== undefined && (from === publicOrigin || from === addressedOrigin(req))) {
    return undefined;
  }
  return `it came from ${origin}, not from this server`;
}

/**
 * The origin the browser sent the request to: its Host header and the protocol it came in
 * on, or, through a trusted proxy, the host and protocol the proxy says the browser used.
 * It matters when the server is reached by another name than its public URL (the SPA's
 * development proxy, an address on the local network).
 */
function addressedOrigin(req: Request): string | undefined {
  return req.host ? originOf(`${req.protocol}://${req.host}`) : undefined;
}

/** The serialised origin (scheme, host, port unless the default), or undefined if malformed. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";", 1)[0]?.trim().toLowerCase();
}
