import { isMaintenanceKind, MAINTENANCE_REFUSAL, type TJobKind } from "@restic-manager/contracts";

/** What the operation form knows of a repository to tell where a job on this host may run. */
export interface RepositoryRouting {
  name: string;
  status: string;
  maintenanceHostId: string | null;
  maintenanceHostName: string | null;
  maintenanceDisplayUrl: string | null;
}

/**
 * Why this kind cannot run on this host against this repository, the way the server would
 * refuse it: forget, prune and unlock may delete data, so only the maintenance host runs them;
 * every other host has append-only access. Undefined when nothing stands in the way.
 */
export function blockedReason(
  kind: TJobKind,
  hostId: string,
  repository: RepositoryRouting | undefined,
): string | undefined {
  if (!repository) return undefined;
  if (repository.status !== "ready") return `“${repository.name}” is still being set up.`;
  if (!isMaintenanceKind(kind)) return undefined;
  const what = kind.charAt(0).toUpperCase() + kind.slice(1);
  if (!repository.maintenanceHostId || !repository.maintenanceDisplayUrl) {
    return `${what} ${MAINTENANCE_REFUSAL.noMaintenanceHost("the repository")}.`;
  }
  if (repository.maintenanceHostId !== hostId) {
    const host = repository.maintenanceHostName ?? "its maintenance host";
    return `${what} ${MAINTENANCE_REFUSAL.notTheMaintenanceHost(host)}.`;
  }
  return undefined;
}

/** Which endpoint a job from this host goes through, in a few words for the form. */
export function endpointHint(hostId: string, repository: RepositoryRouting | undefined) {
  if (!repository) return undefined;
  return repository.maintenanceHostId === hostId && repository.maintenanceDisplayUrl
    ? "This host maintains the repository: its jobs use the maintenance endpoint."
    : "Through the backup endpoint, append-only on rest-server.";
}
