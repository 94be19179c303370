import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Dialog } from "../../components/ui/Dialog";
import type { RepositoryDetail } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { RepositoryDialogForm } from "./RepositoryDialogForm";
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
      <RepositoryDialogForm
        data-testid="edit-repository"
        values={values}
        errors={errors}
        bind={bind}
        setValues={setValues}
        stored={repository}
        onSubmit={onSubmit}
        onCancel={close}
        error={update.error}
        submit={{
          label: update.isPending ? "Saving…" : "Save changes",
          disabled: update.isPending,
          testId: "repo-save",
        }}
      />
    </Dialog>
  );
}
