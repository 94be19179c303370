import type { ReactNode } from "react";

/** A row of labelled figures, for result summaries. */
export function Figures({
  items,
  "data-testid": testId,
}: {
  items: [label: string, value: ReactNode][];
  "data-testid"?: string;
}) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm lg:grid-cols-4" data-testid={testId}>
      {items.map(([label, value]) => (
        <div key={label} className="min-w-0">
          <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase dark:text-slate-400">
            {label}
          </dt>
          <dd className="mt-0.5 break-words text-slate-800 tabular-nums dark:text-slate-200">
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function ResultNote({ children }: { children: ReactNode }) {
  return <p className="text-sm text-slate-600 dark:text-slate-300">{children}</p>;
}

export function Mono({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <span className="font-mono text-xs break-all" data-testid={testId}>
      {children}
    </span>
  );
}

/** A bounded list shown in full up to `limit`, with a count of what is left out. */
export function moreThan(total: number, limit: number): string | null {
  return total > limit ? `Showing the first ${limit} of ${total}.` : null;
}
