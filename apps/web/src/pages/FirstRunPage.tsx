import { ZSetupInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { AuthLayout } from "../components/AuthLayout";
import { Button } from "../components/ui/Button";
import { TextField } from "../components/ui/Field";
import { FormError } from "../components/ui/FormError";
import { describeError } from "../lib/errors";
import { confirmationErrors, type FieldErrors, useFormValues, validate } from "../lib/forms";
import { useSessionTransitions } from "../lib/session";
import { useTRPC } from "../lib/trpc";

const EMPTY = { username: "", password: "", confirm: "" };

export function FirstRunPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { signedIn } = useSessionTransitions();
  const { values, bind } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});

  const setup = useMutation(
    trpc.auth.setup.mutationOptions({
      onSuccess: ({ user }) => signedIn(user),
      onError: (error) => {
        const problem = describeError(error);
        setErrors(problem.fieldErrors);
        // Someone else finished set-up first: the gate will show the login page instead.
        if (problem.code === "CONFLICT") {
          void queryClient.invalidateQueries({ queryKey: trpc.auth.status.queryKey() });
        }
      },
    }),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(ZSetupInput, values);
    const found = {
      ...(checked.ok ? {} : checked.errors),
      ...confirmationErrors(values.password, values.confirm),
    };
    setErrors(found);
    if (checked.ok && Object.keys(found).length === 0) setup.mutate(checked.data);
  };

  return (
    <AuthLayout
      data-testid="first-run"
      title="Create the first admin"
      description="No accounts exist yet. The account you create now can manage everything, including other users."
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError error={setup.error} />
        <TextField
          label="Username"
          autoComplete="username"
          autoFocus
          data-testid="setup-username"
          error={errors.username}
          {...bind("username")}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. A few random words make a good one."
          data-testid="setup-password"
          error={errors.password}
          {...bind("password")}
        />
        <TextField
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          data-testid="setup-confirm"
          error={errors.confirm}
          {...bind("confirm")}
        />
        <Button
          type="submit"
          variant="primary"
          className="w-full"
          disabled={setup.isPending}
          data-testid="setup-submit"
        >
          {setup.isPending ? "Creating…" : "Create admin and sign in"}
        </Button>
      </form>
    </AuthLayout>
  );
}
