import type { SnapshotListItem } from "../../lib/api-types";

/** Tags the product sets on every snapshot to know its host and set: shown as names instead. */
export function userTags(tags: readonly string[]): string[] {
  return tags.filter((tag) => !tag.startsWith("rm-"));
}

/** The snapshot's host as the product knows it, or the hostname restic recorded. */
export function snapshotHostName(snapshot: SnapshotListItem): string {
  return snapshot.hostName ?? snapshot.hostname;
}

/** The older first: a diff reads from the older snapshot to the newer one. */
export function olderFirst(a: SnapshotListItem, b: SnapshotListItem) {
  return Date.parse(a.time) <= Date.parse(b.time) ? { from: a, to: b } : { from: b, to: a };
}

/** Where a snapshot's browser is: its host reads it, when it is online. */
export function browserLink(repositoryId: string, snapshot: SnapshotListItem, path?: string) {
  const search = new URLSearchParams();
  if (snapshot.hostId) search.set("host", snapshot.hostId);
  if (path) search.set("path", path);
  const query = search.toString();
  return `/repositories/${repositoryId}/snapshots/${snapshot.id}${query ? `?${query}` : ""}`;
}
