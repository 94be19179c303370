import { Link } from "react-router";
import type { BadgeTone } from "../../components/ui/Badge";

const ACCENTS: Record<BadgeTone, string> = {
  neutral: "bg-slate-300 dark:bg-slate-600",
  accent: "bg-teal-500",
  success: "bg-emerald-500",
  warning: "bg-amber-500",
  danger: "bg-red-500",
};

/** One figure of the overview, linking to the list behind it. */
export function StatCard({
  label,
  value,
  tone,
  to,
  "data-testid": testId,
}: {
  label: string;
  value: string;
  tone: BadgeTone;
  to: string;
  "data-testid"?: string;
}) {
  return (
    <Link
      to={to}
      data-testid={testId}
      className="group rounded-lg border border-slate-200 bg-white px-5 py-4 shadow-sm transition-colors hover:border-teal-300 dark:border-slate-800 dark:bg-slate-900 dark:hover:border-teal-700"
    >
      <p className="flex items-center gap-2 text-sm text-slate-500 dark:text-slate-400">
        <span className={`size-2 rounded-full ${ACCENTS[tone]}`} aria-hidden />
        {label}
      </p>
      <p
        className="mt-1 text-2xl font-semibold text-slate-900 tabular-nums dark:text-white"
        data-testid="stat-value"
      >
        {value}
      </p>
    </Link>
  );
}
