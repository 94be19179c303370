import { History, X } from "lucide-react";
import { Button } from "../../components/ui/Button";
import { formatCountOf } from "../../lib/format";
import type { Selection } from "./selection";

/** What is picked so far, in every folder, and the way to restore it (or the whole snapshot). */
export function SelectionBar({
  selection,
  canRestore,
  onRestore,
}: {
  selection: Selection;
  canRestore: boolean;
  onRestore: () => void;
}) {
  const count = selection.picked.size;
  return (
    <div
      data-testid="selection-bar"
      data-count={count}
      className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="min-w-0 text-sm text-slate-600 dark:text-slate-300">
        {count === 0 ? (
          "Tick files and folders to restore them, in any folder; nothing ticked restores the whole snapshot."
        ) : (
          <span className="flex flex-wrap items-center gap-2">
            <span
              className="font-medium text-slate-900 dark:text-white"
              data-testid="selection-count"
            >
              {formatCountOf(count, "item")} picked
            </span>
            <span
              className="truncate font-mono text-xs"
              title={[...selection.picked.keys()].join("\n")}
            >
              {[...selection.picked.keys()].slice(0, 3).join(", ")}
              {count > 3 ? ", …" : ""}
            </span>
            <Button
              size="sm"
              variant="ghost"
              onClick={selection.clear}
              data-testid="selection-clear"
            >
              <X className="size-3.5" aria-hidden />
              Clear
            </Button>
          </span>
        )}
      </div>
      {canRestore ? (
        <Button variant="primary" onClick={onRestore} data-testid="restore-open">
          <History className="size-4" aria-hidden />
          {count === 0 ? "Restore the whole snapshot…" : "Restore…"}
        </Button>
      ) : null}
    </div>
  );
}
