import type { THealthResult, TSnapshot } from "@restic-manager/contracts";
import type { ResticContext, RunOptions } from "../context.js";
import { listLocks } from "./locks.js";
import { snapshots } from "./snapshots.js";
import { stats } from "./stats.js";

/** Per host: how many snapshots, and when the newest was taken. */
export function summariseHosts(list: TSnapshot[]): THealthResult["hosts"] {
  const byHost = new Map<string, { snapshotCount: number; lastSnapshotAt: string }>();
  for (const snapshot of list) {
    const entry = byHost.get(snapshot.hostname);
    if (!entry) {
      byHost.set(snapshot.hostname, { snapshotCount: 1, lastSnapshotAt: snapshot.time });
      continue;
    }
    entry.snapshotCount += 1;
    if (Date.parse(snapshot.time) > Date.parse(entry.lastSnapshotAt)) {
      entry.lastSnapshotAt = snapshot.time;
    }
  }
  return [...byHost.entries()]
    .map(([host, entry]) => ({ host, ...entry }))
    .sort((a, b) => a.host.localeCompare(b.host));
}

/**
 * A repository's health in one run: its snapshots, logical and stored sizes, and locks.
 * Read-only, so it works through an append-only endpoint too.
 */
export async function health(context: ResticContext, run: RunOptions = {}): Promise<THealthResult> {
  const { signal } = run;
  const list = await snapshots(context, {}, { signal });
  const locks = await listLocks(context, {}, { signal });
  // stats on a repository without snapshots fails in some restic versions: nothing to count.
  if (list.snapshots.length === 0) {
    return {
      kind: "health",
      snapshotCount: 0,
      hosts: [],
      totalSize: 0,
      rawSize: 0,
      uncompressedSize: null,
      locks: locks.locks,
    };
  }
  const restoreSize = await stats(context, { mode: "restore-size" }, { signal });
  const rawData = await stats(context, { mode: "raw-data" }, { signal });
  return {
    kind: "health",
    snapshotCount: list.snapshots.length,
    hosts: summariseHosts(list.snapshots),
    totalSize: restoreSize.totalSize,
    rawSize: rawData.totalSize,
    uncompressedSize: rawData.totalUncompressedSize,
    locks: locks.locks,
  };
}
