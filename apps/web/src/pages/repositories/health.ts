import type { BadgeTone } from "../../components/ui/Badge";
import type { RepositorySummary } from "../../lib/api-types";
import { dedupRatio } from "../jobs/results/RepositoryResults";

/** A host whose newest snapshot is older than this is shown in warning colour. */
export const SNAPSHOT_STALE_AFTER_MS = 86_400_000;

export function statusLabel(status: string): { label: string; tone: BadgeTone } {
  return status === "ready"
    ? { label: "ready", tone: "success" }
    : { label: "setting up", tone: "warning" };
}

export type CheckState = "ok" | "failed" | "never";

export function checkState(repository: {
  lastCheckAt: Date | null;
  lastCheckOk: boolean | null;
}): CheckState {
  if (!repository.lastCheckAt) return "never";
  return repository.lastCheckOk ? "ok" : "failed";
}

export const CHECK_TONES: Record<CheckState, BadgeTone> = {
  ok: "success",
  failed: "danger",
  never: "neutral",
};

/** Logical size over stored size, as the health job's result shows it; "—" until known. */
export function repositoryDedup(sizes: { totalSize: number | null; rawSize: number | null }) {
  return sizes.totalSize === null || sizes.rawSize === null
    ? "—"
    : dedupRatio(sizes.totalSize, sizes.rawSize);
}

/** The hosts recorded in the snapshots, the most recently backed up first. */
export function hostsByLastSnapshot(hosts: RepositorySummary["hosts"]) {
  return hosts.toSorted((a, b) => Date.parse(b.lastSnapshotAt) - Date.parse(a.lastSnapshotAt));
}
