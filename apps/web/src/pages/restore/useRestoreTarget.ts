import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc";

/**
 * The host a restore writes to, and whether it may: a host with a backup set in this repository,
 * or its maintenance host, as the server decides again when the restore starts (it holds their
 * credentials for the job only). One set of the host in the repository is enough to know, so
 * nothing here reads a list of hosts or of the repository's sets.
 */
export function useRestoreTarget(repositoryId: string, hostId: string) {
  const trpc = useTRPC();
  const enabled = hostId !== "";
  const host = useQuery(trpc.hosts.get.queryOptions({ id: hostId }, { enabled }));
  const repository = useQuery(trpc.repositories.get.queryOptions({ id: repositoryId }));
  const sets = useQuery(
    trpc.backupSets.list.queryOptions({ repositoryId, hostId, limit: 1 }, { enabled }),
  );
  const maintains = enabled && repository.data?.maintenanceHostId === hostId;
  const hasSet = sets.data ? sets.data.items.length > 0 : undefined;
  return {
    host: host.data,
    /** Undefined until known (or no host chosen). */
    hasAccess: maintains || hasSet,
    error: host.error ?? sets.error ?? repository.error,
  };
}
