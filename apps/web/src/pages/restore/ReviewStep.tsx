import { CheckboxField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import { formatCountOf, formatDateTime } from "../../lib/format";
import type { EntryType } from "../snapshots/selection";
import { overwriteLabel, patternLines, type RestoreDraft, type RestoreSource } from "./restoreForm";

const SHOWN_PATHS = 10;

interface ReviewStepProps {
  source: RestoreSource;
  picked: ReadonlyMap<string, EntryType>;
  draft: RestoreDraft;
  targetHostName: string;
  change: (patch: Partial<RestoreDraft>) => void;
  /** The server's refusal of the last start, shown here with its reason. */
  error: unknown;
}

/** Says in one sentence what will be written where, before anything is. */
export function ReviewStep({
  source,
  picked,
  draft,
  targetHostName,
  change,
  error,
}: ReviewStepProps) {
  const what = picked.size === 0 ? "The whole snapshot" : formatCountOf(picked.size, "item");
  const when = source.time ? `, ${formatDateTime(source.time)}` : "";
  const where =
    draft.target === "original"
      ? `${source.hostName}, each where it was`
      : `${targetHostName}:${draft.path.trim()}`;
  const includes = patternLines(draft.includes);
  const excludes = patternLines(draft.excludes);

  return (
    <div className="space-y-4" data-testid="restore-step-review">
      <FormError error={error} />
      <p className="text-sm text-slate-800 dark:text-slate-200" data-testid="restore-review">
        {what} from snapshot {source.shortId} ({source.hostName}
        {when}) will be written to <span className="font-mono">{where}</span>; existing files:{" "}
        {overwriteLabel(draft.overwrite)}.
      </p>
      <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-300">
        {picked.size > 0 ? (
          <li>
            <ul className="font-mono text-xs break-all" data-testid="restore-review-paths">
              {[...picked.keys()].slice(0, SHOWN_PATHS).map((path) => (
                <li key={path}>{path}</li>
              ))}
              {picked.size > SHOWN_PATHS ? <li>and {picked.size - SHOWN_PATHS} more</li> : null}
            </ul>
          </li>
        ) : null}
        {includes.length > 0 ? <li>Including {includes.join(", ")}</li> : null}
        {excludes.length > 0 ? <li>Leaving out {excludes.join(", ")}</li> : null}
        <li>
          {draft.verify ? "Each restored file is read back and verified." : "No verification."}
        </li>
        {draft.dryRun ? <li>A dry run: nothing is written, only counted.</li> : null}
      </ul>
      {draft.target === "original" ? (
        <CheckboxField
          label={`Yes, write over the files on ${source.hostName}`}
          hint="Restoring to the original location replaces files that are there now."
          checked={draft.confirmOverwrite}
          data-testid="restore-confirm-overwrite"
          onChange={(event) => change({ confirmOverwrite: event.target.checked })}
        />
      ) : null}
    </div>
  );
}
