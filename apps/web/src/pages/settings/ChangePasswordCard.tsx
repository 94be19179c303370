import { ZChangePasswordInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { TextField } from "../../components/ui/Field";
import { FormError } from "../../components/ui/FormError";
import { describeError } from "../../lib/errors";
import { confirmationErrors, type FieldErrors, useFormValues, validate } from "../../lib/forms";
import { useTRPC } from "../../lib/trpc";

const EMPTY = { currentPassword: "", newPassword: "", confirm: "" };

export function ChangePasswordCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values, bind, reset } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});

  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        reset();
        // Changing the password signs out every other session.
        void queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() });
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    change.reset();
    const checked = validate(ZChangePasswordInput, values);
    const found = {
      ...(checked.ok ? {} : checked.errors),
      ...confirmationErrors(values.newPassword, values.confirm),
    };
    setErrors(found);
    if (checked.ok && Object.keys(found).length === 0) change.mutate(checked.data);
  };

  return (
    <Card
      title="Change password"
      description="Your other sessions are signed out when you change it."
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid="change-password">
        <FormError error={change.error} />
        {change.isSuccess ? (
          <Alert tone="success" data-testid="password-changed">
            Password changed. Other sessions were signed out.
          </Alert>
        ) : null}
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          data-testid="current-password"
          error={errors.currentPassword}
          {...bind("currentPassword")}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters."
          data-testid="new-password"
          error={errors.newPassword}
          {...bind("newPassword")}
        />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          data-testid="confirm-password"
          error={errors.confirm}
          {...bind("confirm")}
        />
        <Button
          type="submit"
          variant="primary"
          disabled={change.isPending}
          data-testid="change-password-submit"
        >
          {change.isPending ? "Saving…" : "Change password"}
        </Button>
      </form>
    </Card>
  );
}
