import { lazy, Suspense } from "react";
import { Card } from "../../components/ui/Card";
import type { RepositoryDetail } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";

const SizeChart = lazy(() => import("./SizeChart"));

const CHART_BOX = "h-[260px]";

/** Total against stored size over time, from the sizes kept at each health report. */
export function SizeHistoryCard({ history }: { history: RepositoryDetail["history"] }) {
  const first = history.at(0);
  return (
    <Card
      title="Size over time"
      description="Total: what restoring every snapshot would write. Stored: what the repository holds after deduplication and compression."
      data-testid="repo-size-history"
    >
      {history.length < 2 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="repo-size-empty">
          {first
            ? `The chart starts with the second health report; the first was ${formatDateTime(first.at)}.`
            : "The chart starts once the repository's health has been read twice."}
        </p>
      ) : (
        <div className={CHART_BOX} data-testid="repo-size-chart" data-points={history.length}>
          <Suspense
            fallback={<p className="text-sm text-slate-500 dark:text-slate-400">Loading chart…</p>}
          >
            <SizeChart points={history} />
          </Suspense>
        </div>
      )}
    </Card>
  );
}
