import {
  JOB_STATES,
  narrow,
  SUPPORTED_AGENT_PROTOCOLS,
  type THostListFilter,
} from "@restic-manager/contracts";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import type { Db } from "../db.js";
import { found } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { JobService } from "../jobs/service.js";
import { afterKeyset, decodeCursorOf, keysetOrder, pageOf } from "../pagination.js";
import { type AgentRelease, updateFor } from "./agentRelease.js";
import { reinstallCommands } from "./installCommands.js";
import type { AgentRegistry } from "./registry.js";

const PUBLIC_FIELDS = {
  id: true,
  name: true,
  hostname: true,
  os: true,
  arch: true,
  agentVersion: true,
  protocolVersion: true,
  resticVersion: true,
  resticProblem: true,
  createdAt: true,
  lastSeenAt: true,
  revokedAt: true,
  lastBackupAt: true,
  lastBackupState: true,
  lastBackupJobId: true,
  timeZone: true,
  restoreRoots: true,
  refusedAgentVersion: true,
  refusedProtocol: true,
  refusedAt: true,
} as const;

type HostRow = Prisma.HostGetPayload<{ select: typeof PUBLIC_FIELDS }>;

/** What the server offers agents: the served bundle, and where the install scripts are. */
export interface AgentOffer {
  release: AgentRelease | null;
  publicUrl: string;
}

function present(host: HostRow, agents: AgentRegistry, offer: AgentOffer | null) {
  const { refusedAgentVersion, refusedProtocol, refusedAt, ...rest } = host;
  return {
    ...rest,
    /** The version the server offers this host's agent, when it runs another. */
    agentUpdate: updateFor(host, offer?.release ?? null),
    /** An agent too old for this server tried to connect: it has to be reinstalled. */
    tooOldAgent:
      refusedProtocol !== null && refusedAt !== null
        ? {
            agentVersion: refusedAgentVersion,
            protocolVersion: refusedProtocol,
            at: refusedAt,
            supported: { ...SUPPORTED_AGENT_PROTOCOLS },
            ...(offer ? reinstallCommands(offer.publicUrl) : {}),
          }
        : null,
    lastBackupState:
      host.lastBackupState === null ? null : narrow(JOB_STATES, host.lastBackupState),
    restoreRoots: JSON.parse(host.restoreRoots) as string[],
    online: agents.isOnline(host.id),
  };
}

/** A name prefix as an index range: `LIKE 'web%'` would not use the name index in SQLite. */
function namePrefix(search: string | undefined): Prisma.HostWhereInput {
  if (!search) return {};
  return { name: { gte: search, lt: `${search}\u{10FFFF}` } };
}

/**
 * One page of hosts. All hosts and active ones come by name (the unique name index, or
 * (revokedAt, name) for active); revoked ones most recently revoked first, on (revokedAt, id).
 */
export async function listHosts(
  db: Db,
  agents: AgentRegistry,
  input: THostListFilter,
  offer: AgentOffer | null = null,
) {
  const byRevocation = input.state === "revoked";
  const after = byRevocation
    ? decodeCursorOf(input.cursor, "date")
    : decodeCursorOf(input.cursor, "string");
  const rows = await db.host.findMany({
    where: {
      AND: [
        namePrefix(input.search),
        input.state === "active" ? { revokedAt: null } : {},
        byRevocation ? { revokedAt: { not: null } } : {},
        byRevocation ? afterKeyset("revokedAt", "desc", after) : afterKeyset("name", "asc", after),
      ],
    },
    orderBy: byRevocation ? keysetOrder("revokedAt", "desc") : keysetOrder("name", "asc"),
    take: input.limit + 1,
    select: PUBLIC_FIELDS,
  });
  const { page, nextCursor } = pageOf(rows, input.limit, (row) =>
    byRevocation ? (row.revokedAt ?? new Date(0)) : row.name,
  );
  return { items: page.map((host) => present(host, agents, offer)), nextCursor };
}

export async function getHost(
  db: Db,
  agents: AgentRegistry,
  id: string,
  offer: AgentOffer | null = null,
) {
  const host = found(
    await db.host.findUnique({ where: { id }, select: PUBLIC_FIELDS }),
    "No such host",
  );
  return present(host, agents, offer);
}

/** Revoking ends the agent's access at once: its credential stops working and its socket closes. */
export async function revokeHost(
  deps: { db: Db; agents: AgentRegistry },
  id: string,
  actor: Actor,
  meta: RequestMeta,
) {
  const host = found(await deps.db.host.findUnique({ where: { id } }), "No such host");
  if (!host.revokedAt) {
    await deps.db.$transaction(async (tx) => {
      await tx.host.update({ where: { id }, data: { revokedAt: new Date() } });
      await recordAudit(tx, {
        action: "host.revoked",
        actor,
        target: { type: "host", id, name: host.name },
        ip: meta.ip,
      });
    });
  }
  deps.agents.end(id, "host revoked");
}

export async function deleteHost(
  deps: { db: Db; agents: AgentRegistry; jobs: Pick<JobService, "forgetHost"> },
  id: string,
  actor: Actor,
  meta: RequestMeta,
) {
  const host = found(await deps.db.host.findUnique({ where: { id } }), "No such host");
  await deps.db.$transaction(async (tx) => {
    await tx.host.delete({ where: { id } });
    await recordAudit(tx, {
      action: "host.deleted",
      actor,
      target: { type: "host", id, name: host.name },
      ip: meta.ip,
    });
  });
  deps.agents.end(id, "host deleted");
  deps.jobs.forgetHost(id);
}
