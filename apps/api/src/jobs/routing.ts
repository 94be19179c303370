import { isMaintenanceKind, MAINTENANCE_REFUSAL, type TJobKind } from "@restic-manager/contracts";
import { AppError } from "../errors.js";

/** Which of a repository's endpoints a job goes through. */
export const ENDPOINTS = ["backup", "maintenance"] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export interface RoutableRepository {
  name: string;
  maintenanceHostId: string | null;
  maintenanceUrlSealed: string | null;
  maintenanceHost?: { name: string } | null;
}

/**
 * Which of a repository's endpoints a job on a host uses. forget, prune and unlock may delete
 * data: they run only on the maintenance host, through the maintenance endpoint, and are
 * refused anywhere else. The maintenance host uses its full-rights endpoint for everything;
 * every other host gets the backup endpoint (append-only on rest-server).
 */
export function chooseEndpoint(
  repository: RoutableRepository,
  hostId: string,
  kind: TJobKind,
): Endpoint {
  const isMaintenanceHost =
    repository.maintenanceHostId === hostId && repository.maintenanceUrlSealed !== null;
  if (!isMaintenanceKind(kind)) return isMaintenanceHost ? "maintenance" : "backup";
  if (!repository.maintenanceHostId || !repository.maintenanceUrlSealed) {
    throw new AppError(
      "BAD_REQUEST",
      `${kind} ${MAINTENANCE_REFUSAL.noMaintenanceHost(`"${repository.name}"`)}`,
    );
  }
  if (!isMaintenanceHost) {
    const name = repository.maintenanceHost?.name ?? "its maintenance host";
    throw new AppError(
      "FORBIDDEN",
      `${kind} on "${repository.name}" ${MAINTENANCE_REFUSAL.notTheMaintenanceHost(name)}`,
    );
  }
  return "maintenance";
}
