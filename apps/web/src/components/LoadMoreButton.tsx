import { Button } from "./ui/Button";

/** "Load more" under a list read a page at a time (a useInfiniteQuery); nothing when done. */
export function LoadMoreButton({
  query,
  "data-testid": testId,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  "data-testid": string;
}) {
  if (!query.hasNextPage) return null;
  return (
    <div className="flex justify-center pt-3">
      <Button
        data-testid={testId}
        disabled={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      >
        {query.isFetchingNextPage ? "Loading…" : "Load more"}
      </Button>
    </div>
  );
}
