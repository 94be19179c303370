import { describeError } from "../lib/errors";
import { Alert } from "./ui/Alert";

/**
 * What a page shows while its query loads or after it failed; one place, so every page says
 * it the same way. The page draws the data (or its empty state) itself.
 */
export function QueryStatus({
  query,
  loading = "Loading…",
}: {
  query: { isPending: boolean; error: unknown };
  loading?: string;
}) {
  if (query.error) return <Alert tone="error">{describeError(query.error).message}</Alert>;
  if (query.isPending) {
    return (
      <p className="text-sm text-slate-500" data-testid="loading">
        {loading}
      </p>
    );
  }
  return null;
}
