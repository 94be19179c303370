import { roleAtLeast } from "@restic-manager/contracts";
import type { Request, RequestHandler, Response } from "express";
import type { AppDeps } from "../deps.js";

const CHALLENGE = 'Bearer realm="restic-manager metrics"';

/**
 * GET /metrics for Prometheus. Unless RM_METRICS_PUBLIC is set, the scraper presents an API
 * token (`Authorization: Bearer rmt_…`, any role: a viewer's is enough). Refused tokens count
 * towards the same per-address allowance as on /trpc and reach the audit log the same way.
 */
export function metricsEndpoint(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    if (!deps.config.metricsPublic && !(await tokenAllowed(deps, req, res))) return;
    try {
      const body = await deps.metrics.render();
      res.set("Cache-Control", "no-store").type(deps.metrics.contentType).send(body);
    } catch (error) {
      deps.logger.error({ event: "metrics.failed", err: error }, "reading the metrics failed");
      res.status(500).type("text/plain").send("The metrics could not be read\n");
    }
  };
}

/** True when the request carries a valid API token; otherwise answers it (401 or 429). */
async function tokenAllowed(deps: AppDeps, req: Request, res: Response): Promise<boolean> {
  const authorization = req.headers.authorization;
  if (authorization === undefined) {
    deny(res, 401, "An API token is required: Authorization: Bearer rmt_…");
    return false;
  }
  const address = req.ip ?? "unknown";
  const waitMs = deps.credentialFailures.retryAfterMs(address);
  if (waitMs > 0) {
    res.set("Retry-After", String(Math.ceil(waitMs / 1000)));
    deny(res, 429, "Too many refused credentials from this address");
    return false;
  }
  const refusal = await checkBearer(deps, authorization);
  if (!refusal) return true;
  deps.credentialFailures.recordFailure(address);
  await deps.refusals.record({
    action: "token.rejected",
    ip: req.ip,
    reason: refusal.reason,
    target: refusal.tokenId ? { type: "token", id: refusal.tokenId } : undefined,
  });
  deny(res, 401, `Token refused: ${refusal.reason}`);
  return false;
}

/** Undefined when the header holds a token of a viewer or more; otherwise why it is refused. */
async function checkBearer(
  deps: AppDeps,
  authorization: string,
): Promise<{ reason: string; tokenId?: string | undefined } | undefined> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!token) return { reason: "malformed Authorization header" };
  const check = await deps.auth.authenticateToken(token);
  if (!("actor" in check)) return { reason: check.rejected, tokenId: check.tokenId };
  return roleAtLeast(check.actor.role, "viewer") ? undefined : { reason: "role below viewer" };
}

function deny(res: Response, status: 401 | 429, message: string): void {
  if (status === 401) res.set("WWW-Authenticate", CHALLENGE);
  res.status(status).type("text/plain").send(`${message}\n`);
}
