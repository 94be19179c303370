import path from "node:path";
import { type TRestoreRequest, ZRestoreRequest } from "@restic-manager/contracts";
import type { z } from "zod";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { JobService } from "../jobs/service.js";
import type { Keyring } from "../secrets/keyring.js";
import type { AgentQueries } from "../snapshots/queries.js";
import { hostsWithAccess } from "../snapshots/readers.js";
import { browseSnapshot } from "../snapshots/service.js";

type Request = z.output<typeof ZRestoreRequest>;

export interface RestoreDeps {
  db: Db;
  agents: AgentRegistry;
  keyring: Keyring;
  queries: AgentQueries;
  jobs: JobService;
}

/** A host's allowed restore roots, as stored. */
export function parseRoots(text: string): string[] {
  const roots = JSON.parse(text) as unknown;
  return Array.isArray(roots) ? roots.filter((r): r is string => typeof r === "string") : [];
}

/**
 * Whether `target` lies inside one of `roots` (or is one). Both are absolute and normalised
 * first, so `..` cannot climb out; Windows paths compare case-insensitively.
 */
export function insideRoots(target: string, roots: string[]): boolean {
  const windows = /^[A-Za-z]:[\\/]/.test(target) || target.startsWith("\\\\");
  const lib = windows ? path.win32 : path.posix;
  if (!lib.isAbsolute(target) || target.split(/[\\/]/).includes("..")) return false;
  const norm = (p: string) => {
    const n = lib.normalize(p).replace(/[\\/]+$/, "") || lib.sep;
    return windows ? n.toLowerCase() : n;
  };
  const wanted = norm(target);
  return roots.some((root) => {
    if (!lib.isAbsolute(root)) return false;
    const base = norm(root);
    return wanted === base || wanted.startsWith(base.endsWith(lib.sep) ? base : base + lib.sep);
  });
}

/**
 * Starts a restore from the wizard: checks what, from where, to where and by whom before
 * anything is written, then runs restic's restore on the target host as a job (that host gets
 * the repository's credentials inside this job only). The audit log names who restored what
 * where.
 */
export async function startRestore(
  deps: RestoreDeps,
  input: TRestoreRequest,
  actor: Actor,
  meta: RequestMeta,
) {
  const request: Request = ZRestoreRequest.parse(input);
  const repository = found(
    await deps.db.repository.findUnique({ where: { id: request.repositoryId } }),
    "No such repository",
  );
  const source = found(
    await deps.db.host.findUnique({ where: { id: request.sourceHostId } }),
    "No such host",
  );
  const { target } = request;
  const targetHostId = target.type === "host" ? target.hostId : source.id;
  const targetHost = found(
    await deps.db.host.findUnique({ where: { id: targetHostId } }),
    "No such target host",
  );
  if (targetHost.revokedAt) throw new AppError("BAD_REQUEST", `${targetHost.name} was revoked`);
  if (!(await hostsWithAccess(deps.db, repository.id)).has(targetHost.id)) {
    throw new AppError(
      "BAD_REQUEST",
      `${targetHost.name} has no access to "${repository.name}": give it a backup set in this repository (or make it the maintenance host) first`,
    );
  }
  if (!deps.agents.isOnline(targetHost.id)) {
    throw new AppError(
      "BAD_REQUEST",
      `${targetHost.name} is offline: a restore needs its agent connected`,
    );
  }
  let restoreTarget: string;
  if (target.type === "original") {
    if (!request.confirmOverwrite) {
      throw new AppError(
        "BAD_REQUEST",
        "Restoring to the original location writes over the files there: confirm it to go on",
      );
    }
    restoreTarget = targetHost.os === "windows" ? "C:\\" : "/";
  } else {
    const roots = parseRoots(targetHost.restoreRoots);
    if (!insideRoots(target.path, roots)) {
      throw new AppError(
        "BAD_REQUEST",
        roots.length === 0
          ? `${targetHost.name} allows no restore directories yet: an admin sets them on the host page`
          : `${target.path} is outside the directories ${targetHost.name} allows restores into (${roots.join(", ")})`,
      );
    }
    restoreTarget = target.path;
  }
  if (request.excludes?.length && (request.paths.length > 0 || request.includes?.length)) {
    throw new AppError(
      "BAD_REQUEST",
      "restic takes either files to include or patterns to exclude for a restore, not both",
    );
  }
  // The snapshot must exist (and each chosen path in it) before a job writes anything.
  await browseSnapshot(deps, {
    repositoryId: repository.id,
    preferHostId: source.id,
    snapshotId: request.snapshotId,
    path: "/",
    offset: 0,
  });
  const includes = [...request.paths, ...(request.includes ?? [])];
  const job = await deps.jobs.create(
    {
      hostId: targetHost.id,
      repositoryId: repository.id,
      params: {
        kind: "restore",
        snapshotId: request.snapshotId,
        target: restoreTarget,
        ...(includes.length > 0 ? { includes } : {}),
        ...(request.excludes?.length ? { excludes: request.excludes } : {}),
        overwrite: request.overwrite,
        verify: request.verify,
        dryRun: request.dryRun,
      },
    },
    actor,
    meta,
  );
  await recordAudit(deps.db, {
    action: "snapshot.restored",
    actor,
    target: { type: "job", id: job.id, name: `restore to ${targetHost.name}:${restoreTarget}` },
    ip: meta.ip,
    details: {
      repository: repository.name,
      snapshot: request.snapshotId,
      from: source.name,
      to: targetHost.name,
      target: restoreTarget,
      original: target.type === "original",
      paths: request.paths.length > 0 ? request.paths.slice(0, 50) : "the whole snapshot",
      overwrite: request.overwrite,
      dryRun: request.dryRun,
    },
  });
  return { jobId: job.id, hostId: targetHost.id, target: restoreTarget };
}

/** Sets where restores from the browser may write on a host ("another path"). */
export async function setRestoreRoots(
  db: Db,
  input: { hostId: string; roots: string[] },
  actor: Actor,
  meta: RequestMeta,
) {
  for (const root of input.roots) {
    if (!insideRoots(root, [root])) {
      throw new AppError("BAD_REQUEST", `${root} is not an absolute directory without ..`);
    }
  }
  const host = found(await db.host.findUnique({ where: { id: input.hostId } }), "No such host");
  await db.$transaction(async (tx) => {
    await tx.host.update({
      where: { id: host.id },
      data: { restoreRoots: JSON.stringify([...new Set(input.roots)]) },
    });
    await recordAudit(tx, {
      action: "host.restore_roots_changed",
      actor,
      target: { type: "host", id: host.id, name: host.name },
      ip: meta.ip,
      details: { roots: input.roots },
    });
  });
  return { roots: input.roots };
}
