import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type TDownloadRequest, ZDownloadRequest } from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { Keyring } from "../secrets/keyring.js";
import { openSecret, sealSecret } from "../secrets/seal.js";
import { chooseReader, type Reader, ReaderElsewhere } from "../snapshots/readers.js";
import { type Archive, downloadFileName } from "./names.js";

/** A download the browser may fetch once, by the user who asked for it. */
export interface PreparedDownload {
  userId: string;
  repositoryId: string;
  snapshotId: string;
  path: string;
  archive: Archive | undefined;
  /** The host that was to read when the link was made (the snapshot's own, or another). */
  readerHostId: string;
  fileName: string;
}

/** The agent's PUT: its body is the download; the agent is answered once it is passed on. */
export interface AgentUpload {
  body: IncomingMessage;
  /** The file's size when the agent knew it. */
  size: number | undefined;
  agentResponse: ServerResponse;
}

/** Why a download did not start, as an HTTP status and a message for the person. */
export class DownloadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

interface Awaiting {
  hostId: string;
  hostName: string;
  secretHash: Buffer;
  resolve(upload: AgentUpload): void;
  reject(error: DownloadError): void;
  timer: NodeJS.Timeout;
}

/**
 * With several API replicas (see replicas.ts): links any replica can take (sealed with the
 * master key they share), spent once across them, and uploads named after the replica that
 * waits for them, so another that receives the agent's PUT can pass it on.
 */
export interface DownloadReplicas {
  keyring: Keyring;
  /** This replica's short name, put in its upload ids. */
  uploadTag: string;
  /** Tells the other replicas that a link was spent here. */
  spent(linkId: string): void;
}

type SealedLink = PreparedDownload & { expiresAt: number };

export interface DownloadTuning {
  /** How long a prepared link stays valid. */
  linkTtlMs?: number;
  /** How long the browser waits for the agent to start sending. */
  uploadWaitMs?: number;
  now?: () => number;
}

const LINK_TTL_MS = 5 * 60_000;
const UPLOAD_WAIT_MS = 60_000;
/** Links a user may hold at once; each is small, but memory is not for anyone to fill. */
const MAX_LINKS_PER_USER = 50;

function hashOf(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/**
 * Downloads in flight, in memory only: one-time links handed to the browser, and uploads the
 * server asked an agent for and waits on. Nothing here is written anywhere; a restart forgets
 * it all, and the browser simply asks again.
 */
export class Downloads {
  /** Links issued here, by id (a sealed link's id is the part before its dot). */
  private readonly links = new Map<string, PreparedDownload & { expiresAt: number }>();
  /** Sealed links spent here or elsewhere, until they expire: each is taken once. */
  private readonly spentLinks = new Map<string, number>();
  private readonly awaiting = new Map<string, Awaiting>();
  private readonly linkTtlMs: number;
  private readonly uploadWaitMs: number;
  private readonly now: () => number;

  constructor(
    registry: AgentRegistry,
    tuning: DownloadTuning = {},
    private readonly replicas?: DownloadReplicas,
  ) {
    this.linkTtlMs = tuning.linkTtlMs ?? LINK_TTL_MS;
    this.uploadWaitMs = tuning.uploadWaitMs ?? UPLOAD_WAIT_MS;
    this.now = tuning.now ?? Date.now;
    registry.events.on("offline", (hostId) => {
      for (const [id, upload] of this.awaiting) {
        if (upload.hostId !== hostId) continue;
        this.settle(id)?.reject(
          new DownloadError(502, `${upload.hostName} went offline before it sent the download`),
        );
      }
    });
  }

  /** A one-time link (256 random bits) for `prepared.userId`, valid for a few minutes. */
  issue(prepared: PreparedDownload): string | undefined {
    const now = this.now();
    let held = 0;
    for (const [token, link] of this.links) {
      if (link.expiresAt <= now) this.links.delete(token);
      else if (link.userId === prepared.userId) held += 1;
    }
    if (held >= MAX_LINKS_PER_USER) return undefined;
    const expiresAt = now + this.linkTtlMs;
    if (!this.replicas) {
      const token = randomBytes(32).toString("base64url");
      this.links.set(token, { ...prepared, expiresAt });
      return token;
    }
    const linkId = randomBytes(16).toString("base64url");
    this.links.set(linkId, { ...prepared, expiresAt });
    const sealed = sealSecret(
      this.replicas.keyring,
      JSON.stringify({ ...prepared, expiresAt }),
      `download-link:${linkId}`,
    );
    return `${linkId}.${Buffer.from(sealed).toString("base64url")}`;
  }

  /** What a link holds, without spending it (the replica that serves it spends it). */
  peek(token: string, userId: string): PreparedDownload | "unknown" | "not-yours" {
    const link = this.linkOf(token);
    if (!link) return "unknown";
    if (link.userId !== userId) return "not-yours";
    const { expiresAt: _, ...prepared } = link;
    return prepared;
  }

  /** A link another replica spent: not taken here either. */
  forget(linkId: string): void {
    const link = this.links.get(linkId);
    this.links.delete(linkId);
    this.spentLinks.set(linkId, link?.expiresAt ?? this.now() + this.linkTtlMs);
  }

  /** The link behind a token, if it is valid and not spent: issued here, or sealed elsewhere. */
  private linkOf(token: string): SealedLink | undefined {
    const now = this.now();
    const key = this.replicas ? (token.split(".")[0] ?? "") : token;
    const local = this.links.get(key);
    if (local) {
      if (local.expiresAt > now) return local;
      this.links.delete(key);
      return undefined;
    }
    if (!this.replicas) return undefined;
    const [linkId = "", sealed = ""] = token.split(".");
    for (const [id, expiresAt] of this.spentLinks) if (expiresAt <= now) this.spentLinks.delete(id);
    if (this.spentLinks.has(linkId)) return undefined;
    try {
      const link = JSON.parse(
        openSecret(
          this.replicas.keyring,
          Buffer.from(sealed, "base64url").toString(),
          `download-link:${linkId}`,
        ),
      ) as SealedLink;
      return link.expiresAt > now ? link : undefined;
    } catch {
      return undefined; // not sealed by any of our keys, or for another link id
    }
  }

  /**
   * The download behind a link, used up. Another user's link is refused and stays usable for
   * its owner: knowing a link is not enough to spend it.
   */
  redeem(token: string, userId: string): PreparedDownload | "unknown" | "not-yours" {
    const link = this.linkOf(token);
    if (!link) return "unknown";
    if (link.userId !== userId) return "not-yours";
    if (this.replicas) {
      const linkId = token.split(".")[0] ?? "";
      this.links.delete(linkId);
      this.spentLinks.set(linkId, link.expiresAt);
      this.replicas.spent(linkId);
    } else {
      this.links.delete(token);
    }
    const { expiresAt: _, ...prepared } = link;
    return prepared;
  }

  /**
   * Asks the reader's agent to upload the download and waits for its PUT (or its failure, or
   * the wait running out). `signal` aborts the wait when the browser goes away: a PUT that
   * comes later is refused, and the agent stops restic.
   */
  request(reader: Reader, prepared: PreparedDownload, signal: AbortSignal): Promise<AgentUpload> {
    // With replicas, named after this one: another that receives the PUT passes it on here.
    const tag = this.replicas ? `${this.replicas.uploadTag}.` : "";
    const id = `u_${tag}${randomBytes(12).toString("base64url")}`;
    const secret = randomBytes(32).toString("base64url");
    return new Promise<AgentUpload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id)?.reject(
          new DownloadError(
            504,
            `${reader.hostName} did not start sending within ${Math.round(this.uploadWaitMs / 1000)} s`,
          ),
        );
      }, this.uploadWaitMs);
      timer.unref();
      this.awaiting.set(id, {
        hostId: reader.hostId,
        hostName: reader.hostName,
        secretHash: hashOf(secret),
        resolve,
        reject,
        timer,
      });
      if (signal.aborted) {
        this.settle(id)?.reject(new DownloadError(499, "The browser went away"));
        return;
      }
      signal.addEventListener(
        "abort",
        () => this.settle(id)?.reject(new DownloadError(499, "The browser went away")),
        { once: true },
      );
      reader.connection.send({
        type: "upload",
        id,
        secret,
        repository: reader.repository,
        snapshotId: prepared.snapshotId,
        path: prepared.path,
        ...(prepared.archive ? { archive: prepared.archive } : {}),
      });
    });
  }

  /**
   * The upload `id` for the agent of `hostId` holding `secret`, taken so it is answered once.
   * Anything else leaves it waiting for the right agent.
   */
  claim(id: string, hostId: string, secret: string): Awaiting | undefined {
    const upload = this.awaiting.get(id);
    if (!upload || upload.hostId !== hostId) return undefined;
    const given = hashOf(secret);
    if (!timingSafeEqual(given, upload.secretHash)) return undefined;
    return this.settle(id);
  }

  /** Whether links and uploads may be served by another replica (see DownloadReplicas). */
  get sharedAcrossReplicas(): boolean {
    return this.replicas !== undefined;
  }

  /** Whether an upload with this id is awaited (for the refusal's wording only). */
  isAwaited(id: string): boolean {
    return this.awaiting.has(id);
  }

  get pendingLinks(): number {
    return this.links.size;
  }

  get pendingUploads(): number {
    return this.awaiting.size;
  }

  private settle(id: string): Awaiting | undefined {
    const upload = this.awaiting.get(id);
    if (!upload) return undefined;
    this.awaiting.delete(id);
    clearTimeout(upload.timer);
    return upload;
  }
}

export interface DownloadDeps {
  db: Db;
  agents: AgentRegistry;
  keyring: Keyring;
  downloads: Downloads;
}

/**
 * A link the browser fetches the download from (`GET /api/downloads/<token>`, once, signed in
 * as the same user). A host that can read must be online now; the audit log names who takes
 * what from which snapshot, through which host.
 */
export async function prepareDownload(
  deps: DownloadDeps,
  input: TDownloadRequest,
  actor: Actor,
  meta: RequestMeta,
): Promise<{ url: string; fileName: string }> {
  const request = ZDownloadRequest.parse(input);
  const repository = found(
    await deps.db.repository.findUnique({
      where: { id: request.repositoryId },
      select: { id: true, name: true },
    }),
    "No such repository",
  );
  // A host whose agent is connected to another replica reads it there (see downloads/http.ts).
  const reader = await chooseReader(deps, repository.id, request.preferHostId).catch(
    (error: unknown) => {
      if (error instanceof ReaderElsewhere && deps.downloads.sharedAcrossReplicas) {
        return { hostId: error.hostId, hostName: error.hostName };
      }
      throw error;
    },
  );
  const fileName = downloadFileName(request.path, request.archive, request.snapshotId);
  const token = deps.downloads.issue({
    userId: actor.userId,
    repositoryId: repository.id,
    snapshotId: request.snapshotId,
    path: request.path,
    archive: request.archive,
    readerHostId: reader.hostId,
    fileName,
  });
  if (!token) {
    throw new AppError(
      "TOO_MANY_REQUESTS",
      "Too many download links not yet used: use them or wait a few minutes",
    );
  }
  await recordAudit(deps.db, {
    action: "snapshot.downloaded",
    actor,
    target: { type: "repository", id: repository.id, name: repository.name },
    ip: meta.ip,
    details: {
      snapshot: request.snapshotId,
      path: request.path,
      ...(request.archive ? { archive: request.archive } : {}),
      reader: reader.hostName,
    },
  });
  return { url: `/api/downloads/${token}`, fileName };
}
