import { READER_PROTOCOL } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import { AppError, found } from "../errors.js";
import type { AgentConnection, AgentRegistry } from "../hosts/registry.js";
import { chooseEndpoint } from "../jobs/routing.js";
import { repositoryAccess } from "../repositories/access.js";
import type { Keyring } from "../secrets/keyring.js";

/**
 * The hosts that can reach a repository: those with a backup set in it, and its maintenance
 * host. Only they are handed its credentials to read or restore.
 */
export async function hostsWithAccess(db: Db, repositoryId: string): Promise<Set<string>> {
  const [sets, repository] = await Promise.all([
    db.backupSet.findMany({
      where: { repositoryId },
      select: { hostId: true },
      distinct: ["hostId"],
    }),
    db.repository.findUnique({ where: { id: repositoryId }, select: { maintenanceHostId: true } }),
  ]);
  const hosts = new Set(sets.map((set) => set.hostId));
  if (repository?.maintenanceHostId) hosts.add(repository.maintenanceHostId);
  return hosts;
}

/**
 * Several API replicas: the only hosts that could read are connected to another one. Questions
 * can be relayed there (see Replicas.askElsewhere); what streams (a download) cannot.
 */
export class ReaderElsewhere extends AppError {
  constructor(
    readonly hostId: string,
    readonly hostName: string,
    repositoryName: string,
  ) {
    super(
      "CONFLICT",
      `${hostName} can read "${repositoryName}", but its agent is connected to another server replica: try again (the next request may reach that replica)`,
    );
  }
}

export interface Reader {
  hostId: string;
  hostName: string;
  connection: AgentConnection;
  repository: ReturnType<typeof repositoryAccess>;
}

/**
 * The agent that reads a repository for the browser: the preferred host (the snapshot's own)
 * when it is online and can, otherwise any online host with access whose agent answers
 * queries. Refused with the reason when none is.
 */
export async function chooseReader(
  deps: { db: Db; agents: AgentRegistry; keyring: Keyring },
  repositoryId: string,
  preferHostId?: string,
): Promise<Reader> {
  const row = found(
    await deps.db.repository.findUnique({
      where: { id: repositoryId },
      include: { maintenanceHost: { select: { name: true } } },
    }),
    "No such repository",
  );
  const access = await hostsWithAccess(deps.db, repositoryId);
  const candidates = [
    ...(preferHostId && access.has(preferHostId) ? [preferHostId] : []),
    ...[...access].filter((id) => id !== preferHostId).sort(),
  ];
  const hosts = await deps.db.host.findMany({
    where: { id: { in: [...access] }, revokedAt: null },
    select: { id: true, name: true },
  });
  const names = new Map(hosts.map((host) => [host.id, host.name]));
  for (const hostId of candidates) {
    const connection = deps.agents.get(hostId);
    const name = names.get(hostId);
    if (!connection || !name || (connection.protocolVersion ?? 1) < READER_PROTOCOL) continue;
    const endpoint = chooseEndpoint(row, hostId, "ls");
    return {
      hostId,
      hostName: name,
      connection,
      repository: repositoryAccess(deps.keyring, row, endpoint),
    };
  }
  const elsewhere = candidates.find((id) => names.has(id) && deps.agents.isOnline(id));
  if (elsewhere) throw new ReaderElsewhere(elsewhere, names.get(elsewhere) ?? elsewhere, row.name);
  const listed = [...names.values()].sort().join(", ") || "none";
  throw new AppError(
    "CONFLICT",
    `No host that can read "${row.name}" is online with an agent that can browse (hosts with access: ${listed})`,
  );
}
