import type { TRepositoryAccess } from "@restic-manager/contracts";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import type { Keyring } from "../secrets/keyring.js";
import { openSecret, sealSecret } from "../secrets/seal.js";
import { recordAudit } from "./audit.js";

/**
 * Repositories: where backups go. The repository string, password and backend environment
 * are sealed at rest and never leave the server except inside a job sent to an agent.
 */

export interface RepositoryInput {
  name: string;
  url: string;
  password: string;
  env: Record<string, string>;
}

/** The repository string as it may be shown: credentials in a URL are masked. */
export function displayUrl(url: string): string {
  return url.replace(/(\/\/)([^/@\s]+)@/, (_m, slashes: string, userinfo: string) => {
    const user = userinfo.split(":")[0] ?? "";
    return `${slashes}${user}:***@`;
  });
}

function contextFor(id: string, field: "url" | "password" | "env"): string {
  return `repository:${id}:${field}`;
}

const PUBLIC_FIELDS = { id: true, name: true, displayUrl: true, createdAt: true, updatedAt: true };

export async function listRepositories(db: Db) {
  const rows = await db.repository.findMany({
    orderBy: { name: "asc" },
    select: { ...PUBLIC_FIELDS, envSealed: true },
  });
  return rows.map(({ envSealed, ...row }) => ({ ...row, hasEnv: envSealed !== null }));
}

export async function createRepository(
  deps: { db: Db; keyring: Keyring },
  input: RepositoryInput,
  actor: Actor,
  meta: RequestMeta,
) {
  const { db, keyring } = deps;
  const id = `repo_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  try {
    return await db.$transaction(async (tx) => {
      const repository = await tx.repository.create({
        data: {
          id,
          name: input.name,
          displayUrl: displayUrl(input.url),
          urlSealed: sealSecret(keyring, input.url, contextFor(id, "url")),
          passwordSealed: sealSecret(keyring, input.password, contextFor(id, "password")),
          envSealed:
            Object.keys(input.env).length > 0
              ? sealSecret(keyring, JSON.stringify(input.env), contextFor(id, "env"))
              : null,
        },
        select: PUBLIC_FIELDS,
      });
      await recordAudit(tx, {
        action: "repository.created",
        actor,
        target: { type: "repository", id, name: input.name },
        ip: meta.ip,
        details: { url: repository.displayUrl, envKeys: Object.keys(input.env) },
      });
      return repository;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", `A repository named "${input.name}" already exists`);
    }
    throw error;
  }
}

export async function deleteRepository(db: Db, id: string, actor: Actor, meta: RequestMeta) {
  await db.$transaction(async (tx) => {
    const repository = await tx.repository.findUnique({ where: { id } });
    if (!repository) throw new AppError("NOT_FOUND", "No such repository");
    await tx.repository.delete({ where: { id } });
    await recordAudit(tx, {
      action: "repository.deleted",
      actor,
      target: { type: "repository", id, name: repository.name },
      ip: meta.ip,
    });
  });
}

/** The credentials an agent needs for one job. Only the job dispatcher calls this. */
export async function repositoryAccess(
  deps: { db: Db; keyring: Keyring },
  id: string,
): Promise<TRepositoryAccess | undefined> {
  const row = await deps.db.repository.findUnique({ where: { id } });
  if (!row) return undefined;
  return {
    url: openSecret(deps.keyring, row.urlSealed, contextFor(id, "url")),
    password: openSecret(deps.keyring, row.passwordSealed, contextFor(id, "password")),
    env: row.envSealed
      ? (JSON.parse(openSecret(deps.keyring, row.envSealed, contextFor(id, "env"))) as Record<
          string,
          string
        >)
      : {},
  };
}
