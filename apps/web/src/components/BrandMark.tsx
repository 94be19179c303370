import { DatabaseBackup } from "lucide-react";

export function BrandMark() {
  return (
    <div className="flex items-center gap-2.5">
      <span className="flex size-8 items-center justify-center rounded-lg bg-teal-600 text-white dark:bg-teal-500 dark:text-slate-950">
        <DatabaseBackup className="size-4.5" aria-hidden />
      </span>
      <span className="text-[15px] font-semibold tracking-tight text-slate-900 dark:text-white">
        restic-manager
      </span>
    </div>
  );
}
