import { Link } from "react-router";
import { JobStateBadge } from "../../components/JobStateBadge";
import { Card } from "../../components/ui/Card";
import type { DashboardSummary } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

/** Each drilled set's latest restore drill and the last one that passed; hidden when none. */
export function RestoreDrills({ drills }: { drills: DashboardSummary["drills"] }) {
  const drilled = drills.items;
  if (drilled.length === 0) return null;
  return (
    <Card
      title="Restore drills"
      description={`${drills.total > drilled.length ? `The ${drilled.length} most recently drilled of ${drills.total} sets` : "Each backup set"}'s latest drill: a sample of its newest snapshot restored and verified file by file.`}
      data-testid="restore-drills"
    >
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {drilled.map((set) => (
          <li
            key={set.id}
            data-testid="restore-drill"
            className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1 py-2.5 first:pt-0 last:pb-0"
          >
            <div className="min-w-0 space-y-0.5">
              <p className="text-sm text-slate-800 dark:text-slate-200">
                <span className="font-medium">{set.name}</span>
                <span className="text-slate-500">
                  {" on "}
                  <Link to={`/hosts/${set.hostId}`} className={LINK}>
                    {set.hostName}
                  </Link>
                </span>
              </p>
              <p className="text-xs text-slate-500 dark:text-slate-400">
                {set.lastDrill?.lastSuccessAt
                  ? `last passed ${formatDateTime(set.lastDrill.lastSuccessAt)}`
                  : "never passed yet"}
              </p>
            </div>
            {set.lastDrill ? (
              <Link to={`/jobs/${set.lastDrill.jobId}`} title="Open the latest drill">
                <JobStateBadge state={set.lastDrill.state} />
              </Link>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}
