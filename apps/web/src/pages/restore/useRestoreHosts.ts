import { useQuery } from "@tanstack/react-query";
import type { HostListItem } from "../../lib/api-types";
import { useTRPC } from "../../lib/trpc";

/**
 * The hosts a restore from this repository can write to: those with a backup set in it and its
 * maintenance host, as the server decides (it holds their credentials for the job only).
 */
export function useRestoreHosts(repositoryId: string) {
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions({ limit: 200 }));
  const sets = useQuery(trpc.backupSets.list.queryOptions({ repositoryId }));
  const repository = useQuery(trpc.repositories.get.queryOptions({ id: repositoryId }));
  const withAccess = new Set(sets.data?.map((set) => set.hostId));
  if (repository.data?.maintenanceHostId) withAccess.add(repository.data.maintenanceHostId);
  const usable: HostListItem[] = (hosts.data?.items ?? []).filter(
    (host) => host.revokedAt === null && withAccess.has(host.id),
  );
  return {
    hosts: usable,
    hostById: (id: string) => hosts.data?.items.find((host) => host.id === id),
    pending: hosts.isPending || sets.isPending || repository.isPending,
    error: hosts.error ?? sets.error ?? repository.error,
  };
}
