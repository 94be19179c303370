import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { roleAtLeast, UPLOAD_HEADERS, ZUploadFailure } from "@restic-manager/contracts";
import express, { type Request, type Response } from "express";
import type { Actor } from "../auth/actor.js";
import { parseToken, secretMatches } from "../auth/opaqueToken.js";
import { SESSION_ENDED } from "../auth/service.js";
import type { AppDeps } from "../deps.js";
import { AppError, type AppErrorCode } from "../errors.js";
import { chooseReader, ReaderElsewhere } from "../snapshots/readers.js";
import { readCookie, SESSION_COOKIE } from "../trpc/context.js";
import { contentDisposition, contentTypeOf } from "./names.js";
import { type AgentUpload, DownloadError, type PreparedDownload } from "./service.js";

/** The part of a download's URL that is its one-time token, hidden from the request log. */
export const DOWNLOAD_PATH = /^\/api\/downloads\/[^/]+$/;

const FAILURE_STATUS = { "not-found": 404, "bad-request": 400, failed: 502 } as const;
const UNKNOWN_LINK = "This download link is unknown, used or expired: start it again";
/** Set on a request one replica passes on to another, which then never passes it on again. */
const RELAYED = "x-restic-manager-relayed";
const APP_ERROR_STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
};

/**
 * The download's two HTTP ends, piped into each other and never stored:
 * - `GET /api/downloads/:token`: the browser, signed in as whoever prepared the link;
 * - `PUT /agent/uploads/:id`: the agent asked for it, with its credential and the upload's
 *   secret, streaming `restic dump`; or `POST /agent/uploads/:id/failure` when it cannot.
 */
export function downloadRoutes(deps: AppDeps): express.Router {
  const routes = express.Router();
  routes.get("/api/downloads/:token", (req, res) => serveDownload(deps, req, res));
  // An upload another replica waits for (the agent's PUT went through a load balancer).
  const toItsReplica: express.RequestHandler = (req, res, next) => {
    const id = String(req.params.id);
    const elsewhere =
      deps.downloads.isAwaited(id) || req.get(RELAYED) ? undefined : deps.replicas.urlOfUpload(id);
    if (elsewhere) relay(deps, req, res, elsewhere);
    else next();
  };
  routes.put("/agent/uploads/:id", toItsReplica, async (req, res) => {
    const upload = await claimUpload(deps, req, res);
    if (!upload) return;
    const size = Number(req.get(UPLOAD_HEADERS.size));
    upload.resolve({
      body: req,
      size: Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      agentResponse: res,
    });
  });
  routes.post(
    "/agent/uploads/:id/failure",
    toItsReplica,
    express.json({ limit: "16kb" }),
    async (req, res) => {
      const failure = ZUploadFailure.safeParse(req.body);
      if (!failure.success) {
        refuse(res, 400, "The failure report must be JSON with a reason and a message");
        return;
      }
      const upload = await claimUpload(deps, req, res);
      if (!upload) return;
      upload.reject(new DownloadError(FAILURE_STATUS[failure.data.reason], failure.data.message));
      res.status(204).end();
    },
  );
  return routes;
}

async function serveDownload(deps: AppDeps, req: Request, res: Response) {
  // Express answers HEAD with the GET route: that must not spend the link.
  if (req.method === "HEAD") return refuse(res.set("Allow", "GET"), 405, "Fetch the link with GET");
  const who = await requester(deps, req);
  if (typeof who === "string") return refuse(res, 401, `Not signed in: ${who}`);
  if (!roleAtLeast(who.role, "operator")) {
    return refuse(res, 403, `Downloads need the operator role; you are ${who.role}`);
  }
  const token = String(req.params.token);
  const peeked = deps.downloads.peek(token, who.userId);
  if (peeked === "unknown") return refuse(res, 404, UNKNOWN_LINK);
  if (peeked === "not-yours") return refuse(res, 403, "This download link is another user's");

  // The browser may leave while the agent is still being asked: the agent is then turned away.
  const left = new AbortController();
  res.once("close", () => left.abort());
  let upload: AgentUpload;
  let readerName: string;
  let prepared: PreparedDownload;
  try {
    const reader = await chooseReader(deps, peeked.repositoryId, peeked.readerHostId);
    const taken = deps.downloads.redeem(token, who.userId);
    if (typeof taken === "string") return refuse(res, 404, UNKNOWN_LINK);
    prepared = taken;
    readerName = reader.hostName;
    upload = await deps.downloads.request(reader, prepared, left.signal);
  } catch (error) {
    // Its agent is connected to another replica: that one serves it (and spends the link).
    const elsewhere =
      error instanceof ReaderElsewhere && !req.get(RELAYED)
        ? deps.replicas.urlOfHost(error.hostId)
        : undefined;
    if (elsewhere) return relay(deps, req, res, elsewhere);
    if (error instanceof AppError) return refuse(res, APP_ERROR_STATUS[error.code], error.message);
    if (error instanceof DownloadError) return refuse(res, error.status, error.message);
    throw error;
  }

  res.writeHead(200, {
    "Content-Type": contentTypeOf(prepared.archive),
    "Content-Disposition": contentDisposition(prepared.fileName),
    "Cache-Control": "no-store",
    // A proxy in front should pass the bytes on as they come, not collect them first.
    "X-Accel-Buffering": "no",
    ...(upload.size !== undefined ? { "Content-Length": String(upload.size) } : {}),
  });
  const started = Date.now();
  const counter = new ByteCounter(upload.size);
  try {
    await pipeline(upload.body, counter, res);
    upload.agentResponse.writeHead(204).end();
    deps.logger.info({
      event: "download.sent",
      reader: readerName,
      bytes: counter.bytes,
      ms: Date.now() - started,
    });
  } catch (error) {
    // pipeline destroyed both ends: the browser sees a broken transfer, never a short file
    // that looks whole, and the agent's upload is cut, which stops its restic.
    deps.logger.warn({
      event: "download.broken",
      reader: readerName,
      bytes: counter.bytes,
      msg: (error as Error).message,
    });
    upload.agentResponse.destroy();
  }
}

/** The signed-in user (session cookie, or an API token for scripts), or why there is none. */
async function requester(deps: AppDeps, req: Request): Promise<Actor | string> {
  const address = req.ip ?? "unknown";
  const waitMs = deps.credentialFailures.retryAfterMs(address);
  if (waitMs > 0) {
    return `too many refused credentials from this address: try again in ${Math.ceil(waitMs / 1000)} s`;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1];
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (bearer === undefined && cookie === undefined) return "no session";
  const check =
    bearer !== undefined
      ? await deps.auth.authenticateToken(bearer)
      : await deps.auth.authenticateSession(cookie ?? "");
  if ("actor" in check) return check.actor;
  if (check.rejected !== SESSION_ENDED) deps.credentialFailures.recordFailure(address);
  return check.rejected;
}

/**
 * The upload `:id` if this request is from the agent it was asked of, with its secret; it is
 * taken, so it is answered once. Otherwise the request is refused here (and the connection
 * closed, so a refused body is not read).
 */
async function claimUpload(deps: AppDeps, req: Request, res: Response) {
  const address = req.ip ?? "unknown";
  res.set("Connection", "close");
  if (deps.credentialFailures.retryAfterMs(address) > 0) {
    refuse(res, 429, "Too many refused credentials from this address");
    return undefined;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1];
  const credential = bearer ? parseToken("rma", bearer) : undefined;
  const host = credential
    ? await deps.db.host.findUnique({
        where: { id: credential.id },
        select: { id: true, credentialHash: true, revokedAt: true },
      })
    : null;
  if (
    !credential ||
    !host ||
    host.revokedAt ||
    deps.agents.isEnded(host.id) ||
    !secretMatches(credential.secret, host.credentialHash)
  ) {
    deps.credentialFailures.recordFailure(address);
    refuse(res, 401, "This needs the agent's credential");
    return undefined;
  }
  const id = String(req.params.id);
  const upload = deps.downloads.claim(id, host.id, req.get(UPLOAD_HEADERS.secret) ?? "");
  if (!upload) {
    refuse(
      res,
      deps.downloads.isAwaited(id) ? 403 : 410,
      deps.downloads.isAwaited(id)
        ? "This upload was asked of another agent, or its secret is wrong"
        : "Nobody waits for this upload any more (the browser left, or it took too long)",
    );
    return undefined;
  }
  res.removeHeader("Connection");
  return upload;
}

/**
 * Passes a request on to the replica at `base` as it came (headers and streamed body) and its
 * answer back as it comes: a download's browser request or agent upload that reached a replica
 * other than the one the download belongs to.
 */
function relay(deps: AppDeps, req: Request, res: Response, base: string): void {
  const target = new URL(req.originalUrl, base);
  deps.logger.info({
    event: "download.relayed",
    what: req.method === "GET" ? "request" : "upload",
    to: target.origin,
  });
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const outgoing = send(target, {
    method: req.method,
    headers: { ...req.headers, host: target.host, [RELAYED]: "1" },
  });
  outgoing.on("response", (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  outgoing.on("error", (error) => {
    if (res.headersSent) res.destroy();
    else refuse(res, 502, `The replica this download belongs to did not answer: ${error.message}`);
  });
  res.on("close", () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.pipe(outgoing);
}

function refuse(res: Response, status: number, message: string) {
  if (res.headersSent || res.destroyed) return;
  res.status(status).type("text/plain").send(`${message}\n`);
}

/**
 * Counts what passes; with a known size, anything but exactly that many bytes is an error, so
 * a short upload can never end as a complete-looking download.
 */
class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly expected: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.byteLength;
    if (this.expected !== undefined && this.bytes > this.expected) {
      done(new Error(`the upload is longer than the ${this.expected} bytes announced`));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback) {
    if (this.expected !== undefined && this.bytes !== this.expected) {
      done(new Error(`the upload ended after ${this.bytes} of ${this.expected} bytes`));
      return;
    }
    done();
  }
}
