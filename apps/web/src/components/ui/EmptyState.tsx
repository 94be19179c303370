import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";

export function EmptyState({
  icon: Icon,
  title,
  children,
}: {
  icon: LucideIcon;
  title: string;
  children: ReactNode;
}) {
  return (
    <div
      data-testid="empty-state"
      className="flex flex-col items-center rounded-lg border border-dashed border-slate-300 bg-white px-6 py-14 text-center dark:border-slate-700 dark:bg-slate-900/50"
    >
      <div className="mb-4 rounded-full bg-teal-50 p-3 text-teal-700 dark:bg-teal-950/60 dark:text-teal-300">
        <Icon className="size-6" aria-hidden />
      </div>
      <h2 className="text-base font-semibold text-slate-900 dark:text-white">{title}</h2>
      <p className="mt-1.5 max-w-md text-sm text-slate-500 dark:text-slate-400">{children}</p>
    </div>
  );
}
