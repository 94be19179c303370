import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc";

/** A host's or a repository's backup sets by name, a page at a time ("Load more"). */
export function useBackupSetPages(filter: { hostId: string } | { repositoryId: string }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.backupSets.list.infiniteQueryOptions(
      { ...filter, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  return { query, items: query.data?.pages.flatMap((page) => page.items) };
}
