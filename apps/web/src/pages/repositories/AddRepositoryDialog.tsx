import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/Alert";
import { Dialog } from "../../components/ui/Dialog";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { RepositoryDialogForm } from "./RepositoryDialogForm";
import { EMPTY_REPOSITORY_FORM, toCreateInput } from "./repositoryForm";
import { SetupProgress } from "./SetupProgress";

interface Registration {
  repositoryId: string;
  name: string;
  jobId: string;
  hostId: string;
}

/**
 * Registers a repository and has a host set it up (init, or adopt an existing one), then
 * follows that set-up until the repository is ready or its registration is withdrawn.
 */
export function AddRepositoryDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Whether any host could set it up: one active host is enough to know.
  const anyHost = useQuery(
    trpc.hosts.list.queryOptions({ limit: 1, state: "active" }, { enabled: open }),
  );
  const { values, bind, reset, setValues } = useFormValues(EMPTY_REPOSITORY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [registration, setRegistration] = useState<Registration>();
  const create = useMutation(
    trpc.repositories.create.mutationOptions({
      onSuccess: ({ repository, setupJobId }, input) => {
        void queryClient.invalidateQueries({ queryKey: trpc.repositories.list.pathKey() });
        setRegistration({
          repositoryId: repository.id,
          name: repository.name,
          jobId: setupJobId,
          hostId: input.setup.hostId,
        });
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );
  const noHosts = anyHost.data !== undefined && anyHost.data.items.length === 0;

  function close() {
    reset();
    setErrors({});
    setRegistration(undefined);
    create.reset();
    onClose();
  }

  /** Back to the form after a withdrawal, with what was typed, to correct it. */
  function edit() {
    setRegistration(undefined);
    create.reset();
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = toCreateInput(values);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) create.mutate(checked.data);
  };

  // Its online flag follows the fleet event stream.
  const setupHost = useQuery(
    trpc.hosts.get.queryOptions({ id: registration?.hostId ?? "" }, { enabled: !!registration }),
  );
  return (
    <Dialog
      open={open}
      title={registration ? `Setting up “${registration.name}”` : "Add a repository"}
      onClose={close}
      wide
      data-testid="add-repository-dialog"
    >
      {registration ? (
        <SetupProgress
          repositoryId={registration.repositoryId}
          name={registration.name}
          jobId={registration.jobId}
          hostOnline={setupHost.data?.online ?? false}
          onDone={close}
          onEdit={edit}
        />
      ) : (
        <RepositoryDialogForm
          data-testid="create-repository"
          values={values}
          errors={errors}
          bind={bind}
          setValues={setValues}
          onSubmit={onSubmit}
          onCancel={close}
          error={create.error}
          notice={
            noHosts ? (
              <Alert tone="warning" title="Enroll a host first" data-testid="repo-no-hosts">
                A host's agent creates or opens the repository.{" "}
                <Link to="/hosts" className="underline" onClick={close}>
                  Add a host
                </Link>
                , then come back.
              </Alert>
            ) : null
          }
          submit={{
            label: create.isPending
              ? "Registering…"
              : values.mode === "adopt"
                ? "Add and verify"
                : "Add and create",
            disabled: create.isPending || noHosts,
            testId: "repo-submit",
          }}
        />
      )}
    </Dialog>
  );
}
