import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";

/** A bordered table that scrolls sideways on narrow screens instead of squeezing. */
export function Table({
  children,
  "data-testid": testId,
}: {
  children: ReactNode;
  "data-testid"?: string;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <table
        data-testid={testId}
        className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800"
      >
        {children}
      </table>
    </div>
  );
}

export function Th({ className = "", ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={`bg-slate-50 px-4 py-2.5 text-left text-xs font-medium tracking-wide whitespace-nowrap text-slate-500 uppercase dark:bg-slate-900 dark:text-slate-400 ${className}`}
      {...props}
    />
  );
}

export function Td({ className = "", ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td
      className={`px-4 py-3 align-top text-slate-700 dark:text-slate-300 ${className}`}
      {...props}
    />
  );
}
