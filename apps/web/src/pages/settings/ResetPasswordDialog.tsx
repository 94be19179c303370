import { ZResetPasswordInput } from "@restic-manager/contracts";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextField } from "../../components/ui/Field";
import type { UserListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { confirmationErrors, type FieldErrors, useFormValues, validate } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";

const EMPTY = { password: "", confirm: "" };

interface ResetPasswordDialogProps {
  open: boolean;
  user: UserListItem;
  onClose: () => void;
  onDone: () => void;
}

export function ResetPasswordDialog({ open, user, onClose, onDone }: ResetPasswordDialogProps) {
  const trpc = useTRPC();
  const { values, bind, reset } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const resetPassword = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => {
        reset();
        onDone();
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  const close = () => {
    reset();
    setErrors({});
    resetPassword.reset();
    onClose();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(ZResetPasswordInput, { id: user.id, password: values.password });
    const found = {
      ...(checked.ok ? {} : checked.errors),
      ...confirmationErrors(values.password, values.confirm),
    };
    setErrors(found);
    if (checked.ok && Object.keys(found).length === 0) resetPassword.mutate(checked.data);
  };

  return (
    <Dialog
      open={open}
      title={`New password for ${user.username}`}
      onClose={close}
      data-testid="reset-password-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <p className="text-sm text-slate-600 dark:text-slate-300">
          Their current sessions end; they sign in again with the new password.
        </p>
        {resetPassword.error ? (
          <Alert tone="error">{describeError(resetPassword.error).message}</Alert>
        ) : null}
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          data-testid="reset-password"
          error={errors.password}
          {...bind("password")}
        />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          data-testid="reset-confirm"
          error={errors.confirm}
          {...bind("confirm")}
        />
        <div className="flex justify-end gap-2">
          <Button onClick={close}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            disabled={resetPassword.isPending}
            data-testid="reset-submit"
          >
            Set password
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
