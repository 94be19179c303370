import { ZCreateUserInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { SelectField, TextField } from "../../components/ui/Field";
import { FormCard } from "../../components/ui/FormCard";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues, validate } from "../../lib/forms";
import { ROLE_HINT, ROLE_OPTIONS } from "../../lib/roles";
import { useTRPC } from "../../lib/trpc";

const EMPTY = { username: "", password: "", role: "viewer" };

export function CreateUserCard({ onCreated }: { onCreated: (username: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values, bind, reset } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});

  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (user) => {
        reset();
        onCreated(user.username);
        void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(ZCreateUserInput, values);
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) create.mutate(checked.data);
  };

  return (
    <FormCard
      title="Add a user"
      description="They sign in with this password and can change it in their settings."
      onSubmit={onSubmit}
      mutation={create}
      submitLabel="Create user"
      pendingLabel="Creating…"
      submitTestId="create-user-submit"
      data-testid="create-user"
    >
      <TextField
        label="Username"
        autoComplete="off"
        data-testid="new-user-username"
        error={errors.username}
        {...bind("username")}
      />
      <TextField
        label="Initial password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters."
        data-testid="new-user-password"
        error={errors.password}
        {...bind("password")}
      />
      <SelectField
        label="Role"
        options={ROLE_OPTIONS}
        hint={ROLE_HINT}
        data-testid="new-user-role"
        error={errors.role}
        {...bind("role")}
      />
    </FormCard>
  );
}
