import { CheckboxField, ChoiceField, TextAreaField } from "../../components/ui/Field";
import { OVERWRITE_CHOICES, type OverwritePolicy, type RestoreDraft } from "./restoreForm";

interface OptionsStepProps {
  draft: RestoreDraft;
  change: (patch: Partial<RestoreDraft>) => void;
  errors: Record<string, string>;
  pickedCount: number;
}

/** How restic writes: what it does with existing files, which files, and whether it checks. */
export function OptionsStep({ draft, change, errors, pickedCount }: OptionsStepProps) {
  return (
    <div className="space-y-4" data-testid="restore-step-options">
      <ChoiceField
        label="Existing files"
        name="restore-overwrite"
        value={draft.overwrite}
        onChange={(value) => change({ overwrite: value as OverwritePolicy })}
        choices={OVERWRITE_CHOICES.map((choice) => ({
          ...choice,
          "data-testid": `restore-overwrite-${choice.value}`,
        }))}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextAreaField
          label="Include patterns"
          data-testid="restore-includes"
          placeholder="*.pdf"
          value={draft.includes}
          error={errors.includes}
          onChange={(event) => change({ includes: event.target.value })}
          hint={
            pickedCount > 0
              ? "Restored besides the picked items; one pattern per line."
              : "Only these are restored; one pattern per line."
          }
        />
        <TextAreaField
          label="Exclude patterns"
          data-testid="restore-excludes"
          placeholder="*.tmp"
          value={draft.excludes}
          error={errors.excludes}
          onChange={(event) => change({ excludes: event.target.value })}
          hint="For a whole-snapshot restore: these are left out; one pattern per line."
        />
      </div>
      <CheckboxField
        label="Verify"
        hint="Read every restored file back and compare it with the snapshot."
        checked={draft.verify}
        data-testid="restore-verify"
        onChange={(event) => change({ verify: event.target.checked })}
      />
      <CheckboxField
        label="Dry run"
        hint="Count what would be written without writing anything."
        checked={draft.dryRun}
        data-testid="restore-dry-run"
        onChange={(event) => change({ dryRun: event.target.checked })}
      />
    </div>
  );
}
