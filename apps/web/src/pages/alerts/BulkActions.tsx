import { useState } from "react";
import { Button } from "../../components/ui/Button";
import { FormError } from "../../components/ui/FormError";
import { useAlertMutations } from "./useAlertMutations";

/** What to do with the ticked alerts: acknowledge them (with a note, if any) or resolve them. */
export function BulkActions({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const [note, setNote] = useState("");
  const { acknowledge, resolve } = useAlertMutations(() => {
    setNote("");
    onDone();
  });
  const pending = acknowledge.isPending || resolve.isPending;
  const trimmed = note.trim();

  return (
    <div
      data-testid="alerts-bulk"
      className="mb-4 space-y-3 rounded-lg border border-teal-200 bg-teal-50/60 p-4 dark:border-teal-900 dark:bg-teal-950/30"
    >
      <FormError error={acknowledge.error ?? resolve.error} />
      <div className="flex flex-wrap items-end gap-3">
        <p
          className="text-sm font-medium text-slate-800 dark:text-slate-200"
          data-testid="alerts-selected"
        >
          {ids.length} selected
        </p>
        <label className="min-w-56 flex-1 text-sm">
          <span className="sr-only">Note</span>
          <input
            value={note}
            onChange={(event) => setNote(event.target.value)}
            maxLength={1000}
            placeholder="Note for the acknowledgement (optional): who is on it, what is being done"
            data-testid="alerts-ack-note"
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900"
          />
        </label>
        <Button
          variant="primary"
          disabled={pending}
          data-testid="alerts-acknowledge"
          onClick={() => acknowledge.mutate({ ids, ...(trimmed ? { note: trimmed } : {}) })}
        >
          Acknowledge
        </Button>
        <Button
          disabled={pending}
          data-testid="alerts-resolve"
          onClick={() => resolve.mutate({ ids })}
        >
          Resolve
        </Button>
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Acknowledging stops reminders and tells every channel someone is on it; alerts already
        acknowledged stay as they are. Resolving closes them by hand: they are raised again if the
        problem comes back.
      </p>
    </div>
  );
}
