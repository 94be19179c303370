import {
  setTag,
  type TAgentQuery,
  type TQueryAnswer,
  type TSnapshot,
} from "@restic-manager/contracts";
import type { Db } from "../db.js";
import { AppError } from "../errors.js";
import type { AgentRegistry } from "../hosts/registry.js";
import type { Keyring } from "../secrets/keyring.js";
import type { AgentQueries } from "./queries.js";
import { chooseReader, type Reader, ReaderElsewhere } from "./readers.js";

export interface SnapshotDeps {
  db: Db;
  agents: AgentRegistry;
  keyring: Keyring;
  queries: AgentQueries;
  /** Other API replicas, to ask an agent connected to one of them. */
  replicas?: {
    askElsewhere(
      hostId: string,
      repositoryId: string,
      query: TAgentQuery,
      timeoutMs: number,
    ): Promise<TQueryAnswer>;
  };
}

/** How long an agent may take: a first look at a big snapshot lists all of it. */
const TIMEOUTS: Record<TAgentQuery["kind"], number> = {
  snapshots: 120_000,
  browse: 10 * 60_000,
  find: 10 * 60_000,
  diff: 5 * 60_000,
};

async function ask<K extends TAgentQuery["kind"]>(
  deps: SnapshotDeps,
  input: { repositoryId: string; preferHostId?: string | undefined },
  query: Extract<TAgentQuery, { kind: K }>,
) {
  let reader: Reader;
  try {
    reader = await chooseReader(deps, input.repositoryId, input.preferHostId);
  } catch (error) {
    if (!(error instanceof ReaderElsewhere) || !deps.replicas) throw error;
    // Its agent is connected to another replica: asked there.
    const answer = await deps.replicas.askElsewhere(
      error.hostId,
      input.repositoryId,
      query,
      TIMEOUTS[query.kind],
    );
    if (answer.kind !== query.kind)
      throw new AppError("CONFLICT", "The answer was not to this question");
    return {
      reader: { hostId: error.hostId, hostName: error.hostName },
      answer: answer as Extract<TQueryAnswer, { kind: K }>,
    };
  }
  const answer = (await deps.queries.ask(reader, query, TIMEOUTS[query.kind])) as Extract<
    TQueryAnswer,
    { kind: K }
  >;
  return { reader: { hostId: reader.hostId, hostName: reader.hostName }, answer };
}

/** The product's own tags on a snapshot, named: which host and backup set made it. */
async function origins(db: Db, snapshots: TSnapshot[]) {
  const hostIds = new Set<string>();
  const setIds = new Set<string>();
  for (const snapshot of snapshots) {
    for (const tag of snapshot.tags) {
      if (tag.startsWith("rm-host:")) hostIds.add(tag.slice(8));
      if (tag.startsWith("rm-set:")) setIds.add(tag.slice(7));
    }
  }
  const [hosts, sets] = await Promise.all([
    db.host.findMany({ where: { id: { in: [...hostIds] } }, select: { id: true, name: true } }),
    db.backupSet.findMany({ where: { id: { in: [...setIds] } }, select: { id: true, name: true } }),
  ]);
  const hostNames = new Map(hosts.map((h) => [h.id, h.name]));
  const setNames = new Map(sets.map((s) => [s.id, s.name]));
  return (snapshot: TSnapshot) => {
    const hostId = snapshot.tags.find((t) => t.startsWith("rm-host:"))?.slice(8) ?? null;
    const setId = snapshot.tags.find((t) => t.startsWith("rm-set:"))?.slice(7) ?? null;
    return {
      hostId,
      hostName: hostId ? (hostNames.get(hostId) ?? null) : null,
      backupSetId: setId,
      backupSetName: setId ? (setNames.get(setId) ?? null) : null,
    };
  };
}

/** A repository's snapshots, newest first, filtered by host, set, tag and time. */
export async function listSnapshots(
  deps: SnapshotDeps,
  input: {
    repositoryId: string;
    preferHostId?: string | undefined;
    hostId?: string | undefined;
    backupSetId?: string | undefined;
    tag?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
  },
) {
  const tags = [
    ...(input.hostId ? [`rm-host:${input.hostId}`] : []),
    ...(input.backupSetId ? [setTag(input.backupSetId)] : []),
    ...(input.tag ? [input.tag] : []),
  ];
  // The snapshots' own host reads them by default: the host asked for, or the set's.
  const setHost = input.backupSetId
    ? await deps.db.backupSet.findUnique({
        where: { id: input.backupSetId },
        select: { hostId: true },
      })
    : null;
  const preferHostId = input.preferHostId ?? input.hostId ?? setHost?.hostId;
  const { reader, answer } = await ask(
    deps,
    { ...input, preferHostId },
    {
      kind: "snapshots",
      ...(tags.length > 0 ? { tags: [tags.join(",")] } : {}),
    },
  );
  const from = input.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = input.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const inRange = answer.snapshots.filter((snapshot) => {
    const time = Date.parse(snapshot.time);
    return time >= from && time <= to;
  });
  const originOf = await origins(deps.db, inRange);
  return {
    reader,
    truncated: answer.truncated,
    snapshots: inRange.map((snapshot) => ({ ...snapshot, ...originOf(snapshot) })),
  };
}

export async function browseSnapshot(
  deps: SnapshotDeps,
  input: {
    repositoryId: string;
    preferHostId?: string | undefined;
    snapshotId: string;
    path: string;
    offset: number;
  },
) {
  const { reader, answer } = await ask(deps, input, {
    kind: "browse",
    snapshotId: input.snapshotId,
    path: input.path,
    offset: input.offset,
  });
  return { reader, ...answer };
}

export async function findInSnapshot(
  deps: SnapshotDeps,
  input: {
    repositoryId: string;
    preferHostId?: string | undefined;
    snapshotId: string;
    pattern: string;
  },
) {
  const { reader, answer } = await ask(deps, input, {
    kind: "find",
    snapshotId: input.snapshotId,
    pattern: input.pattern,
  });
  return { reader, ...answer };
}

export async function diffSnapshots(
  deps: SnapshotDeps,
  input: { repositoryId: string; preferHostId?: string | undefined; from: string; to: string },
) {
  const { reader, answer } = await ask(deps, input, {
    kind: "diff",
    from: input.from,
    to: input.to,
  });
  return { reader, ...answer };
}
