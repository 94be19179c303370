import type { TRetentionPolicy } from "@restic-manager/contracts";
import { useMutation } from "@tanstack/react-query";
import { Eye } from "lucide-react";
import { useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { CheckboxField } from "../../components/ui/Field";
import { errorSentence } from "../../lib/errors";
import type { FieldErrors, Validation } from "../../lib/forms";
import { useRoleAtLeast } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { OperationFields } from "../hosts/operations/OperationFields";
import type { OperationValues } from "../hosts/operations/params";
import { RETENTION_FIELDS } from "./backupSetForm";
import { RetentionPreview } from "./RetentionPreview";

interface RetentionFieldsProps {
  /** The saved set, whose snapshots a preview runs against; none while it is being added. */
  setId: string | undefined;
  values: OperationValues;
  errors: FieldErrors;
  onChange: (name: string, value: string) => void;
  forgetAfterBackup: boolean;
  onForgetAfterBackup: (value: boolean) => void;
  /** The policy as the form holds it now, checked. */
  policy: () => Validation<TRetentionPolicy>;
  onInvalid: (errors: FieldErrors) => void;
}

/** The set's keep rules, whether they apply after each backup, and a dry run of them. */
export function RetentionFields(props: RetentionFieldsProps) {
  const trpc = useTRPC();
  const canOperate = useRoleAtLeast("operator");
  const [jobId, setJobId] = useState<string>();
  const preview = useMutation(
    trpc.backupSets.previewRetention.mutationOptions({
      onSuccess: (started) => setJobId(started.jobId),
    }),
  );
  const runPreview = () => {
    const { setId } = props;
    const checked = props.policy();
    if (!checked.ok) return props.onInvalid(checked.errors);
    if (!setId) return;
    setJobId(undefined);
    // An empty policy is sent as it is: the server says why it cannot be previewed.
    preview.mutate({ backupSetId: setId, policy: checked.data });
  };

  return (
    <div className="space-y-4 rounded-md border border-slate-200 p-4 dark:border-slate-800">
      <OperationFields
        fields={RETENTION_FIELDS}
        values={props.values}
        errors={props.errors}
        onChange={props.onChange}
        testIdPrefix="set-"
      />
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Applies to this set's snapshots only. No rule at all: every snapshot is kept.
      </p>
      <CheckboxField
        label="Apply after each backup"
        hint="After each successful backup, forget what the rules no longer keep, on the repository's maintenance host. A forget schedule does the same at set times."
        checked={props.forgetAfterBackup}
        error={props.errors.forgetAfterBackup}
        onChange={(event) => props.onForgetAfterBackup(event.target.checked)}
        data-testid="set-forget-after-backup"
      />
      {props.setId && canOperate ? (
        <div className="space-y-3">
          <Button data-testid="retention-preview" disabled={preview.isPending} onClick={runPreview}>
            <Eye className="size-4" aria-hidden />
            {preview.isPending ? "Starting…" : "Preview"}
          </Button>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            A dry run of these rules (saved or not) against the set's snapshots: nothing is removed.
          </p>
          {preview.error ? (
            <Alert tone="error" data-testid="retention-preview-error">
              {errorSentence(preview.error)}
            </Alert>
          ) : null}
          {jobId ? <RetentionPreview key={jobId} jobId={jobId} /> : null}
        </div>
      ) : null}
    </div>
  );
}
