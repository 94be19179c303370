import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import type { RepositoryDetail } from "./health";
import { hostChoices } from "./hostChoices";
import { RepositoryFields } from "./RepositoryFields";
import { editValues, toUpdateInput } from "./repositoryForm";

/** Changes a repository; secrets left empty keep their stored value. */
export function EditRepositoryDialog({
  repository,
  open,
  onClose,
}: {
  repository: RepositoryDetail;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hosts = useQuery(trpc.hosts.list.queryOptions(undefined, { enabled: open }));
  const { values, bind, setValues } = useFormValues(editValues(repository));
  const [errors, setErrors] = useState<FieldErrors>({});
  const update = useMutation(
    trpc.repositories.update.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.pathKey() });
        close();
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  function close() {
    setValues(editValues(repository));
    setErrors({});
    update.reset();
    onClose();
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = toUpdateInput(values, repository);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) update.mutate(checked.data);
  };

  return (
    <Dialog
      open={open}
      title={`Edit “${repository.name}”`}
      onClose={close}
      wide
      data-testid="edit-repository-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid="edit-repository">
        {update.error ? (
          <Alert tone="error" data-testid="form-error">
            {describeError(update.error).message}
          </Alert>
        ) : null}
        {errors[""] ? <Alert tone="error">{errors[""]}</Alert> : null}
        <RepositoryFields
          values={values}
          errors={errors}
          bind={bind}
          set={(name, value) => setValues((current) => ({ ...current, [name]: value }))}
          hostOptions={hostChoices(hosts.data, "Choose a host…")}
          stored={repository}
        />
        <div className="flex justify-end gap-2">
          <Button onClick={close}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            disabled={update.isPending}
            data-testid="repo-save"
          >
            {update.isPending ? "Saving…" : "Save changes"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
