import type { Dispatch, FormEvent, ReactNode, SetStateAction } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { FormError } from "../../components/ui/FormError";
import type { FieldBinding, FieldErrors } from "../../lib/forms";
import { RepositoryFields, type StoredSecrets } from "./RepositoryFields";
import type { RepositoryFormValues } from "./repositoryForm";

interface RepositoryDialogFormProps {
  values: RepositoryFormValues;
  errors: FieldErrors;
  bind: (name: keyof RepositoryFormValues & string) => FieldBinding;
  setValues: Dispatch<SetStateAction<RepositoryFormValues>>;
  /** Set when editing: secrets left empty keep their stored value. */
  stored?: StoredSecrets | undefined;
  onSubmit: (event: FormEvent) => void;
  onCancel: () => void;
  /** What the server said about the last submission. */
  error: unknown;
  /** Shown above everything else, such as why the form cannot be sent yet. */
  notice?: ReactNode;
  submit: { label: string; disabled: boolean; testId: string };
  "data-testid": string;
}

/** The repository's fields with the form's errors, then "Cancel" and the submit button. */
export function RepositoryDialogForm({
  values,
  errors,
  bind,
  setValues,
  stored,
  onSubmit,
  onCancel,
  error,
  notice,
  submit,
  "data-testid": testId,
}: RepositoryDialogFormProps) {
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid={testId}>
      {notice}
      <FormError error={error} />
      {errors[""] ? <Alert tone="error">{errors[""]}</Alert> : null}
      <RepositoryFields
        values={values}
        errors={errors}
        bind={bind}
        set={(name, value) => setValues((current) => ({ ...current, [name]: value }))}
        stored={stored}
      />
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          type="submit"
          variant="primary"
          disabled={submit.disabled}
          data-testid={submit.testId}
        >
          {submit.label}
        </Button>
      </div>
    </form>
  );
}
