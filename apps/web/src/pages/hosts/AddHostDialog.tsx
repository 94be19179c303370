import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { SelectField, TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import type { CreatedEnrollment } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useFormValues } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";
import { EnrollmentInstructions } from "./EnrollmentInstructions";

const EXPIRY_OPTIONS = [
  { value: "1", label: "1 hour" },
  { value: "24", label: "24 hours" },
  { value: "168", label: "7 days" },
  { value: "720", label: "30 days" },
];
const EMPTY = { expiresInHours: "24", note: "" };

/** Creates a one-time enrollment token and shows how to install an agent with it. */
export function AddHostDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values, bind, reset } = useFormValues(EMPTY);
  const [created, setCreated] = useState<CreatedEnrollment>();
  const create = useMutation(
    trpc.hosts.createEnrollment.mutationOptions({
      onSuccess: (enrollment) => {
        setCreated(enrollment);
        void queryClient.invalidateQueries({ queryKey: trpc.hosts.enrollments.queryKey() });
      },
    }),
  );
  const fieldErrors = create.error ? describeError(create.error).fieldErrors : {};

  const close = () => {
    reset();
    setCreated(undefined);
    create.reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const note = values.note.trim();
    create.mutate({
      expiresInHours: Number(values.expiresInHours),
      note: note === "" ? undefined : note,
    });
  };

  return (
    <Dialog open={open} title="Add a host" onClose={close} wide data-testid="add-host-dialog">
      {created ? (
        <div className="space-y-4">
          <EnrollmentInstructions enrollment={created} />
          <div className="flex justify-end">
            <Button variant="primary" onClick={close} data-testid="add-host-done">
              Done
            </Button>
          </div>
        </div>
      ) : (
        <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid="enrollment-form">
          <p className="text-sm text-slate-600 dark:text-slate-300">
            A host joins with a one-time enrollment token. Create one here, then run the install
            command it comes with on the endpoint.
          </p>
          <FormError error={create.error} />
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label="Token expires after"
              options={EXPIRY_OPTIONS}
              data-testid="enrollment-expiry"
              error={fieldErrors.expiresInHours}
              {...bind("expiresInHours")}
            />
            <TextField
              label="Note (optional)"
              placeholder="e.g. file server in room 2"
              maxLength={200}
              autoComplete="off"
              data-testid="enrollment-note"
              error={fieldErrors.note}
              {...bind("note")}
            />
          </div>
          <div className="flex justify-end gap-2">
            <Button onClick={close}>Cancel</Button>
            <Button
              type="submit"
              variant="primary"
              disabled={create.isPending}
              data-testid="enrollment-submit"
            >
              {create.isPending ? "Creating…" : "Create install command"}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
