import { ZCreateApiTokenInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { SelectField, TextField } from "../../components/ui/Field";
import { FormCard } from "../../components/ui/FormCard";
import type { CreatedToken } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues, validate } from "../../lib/forms";
import { ROLE_HINT, ROLE_OPTIONS } from "../../lib/roles";
import { useTRPC } from "../../lib/trpc";

const EMPTY = { name: "", role: "viewer", expiresInDays: "" };

export function CreateTokenCard({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { values, bind } = useFormValues(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});

  const create = useMutation(
    trpc.apiTokens.create.mutationOptions({
      onSuccess: (token) => {
        onCreated(token);
        void queryClient.invalidateQueries({ queryKey: trpc.apiTokens.list.queryKey() });
      },
      onError: (error) => setErrors(describeError(error).fieldErrors),
    }),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const days = values.expiresInDays.trim();
    const checked = validate(ZCreateApiTokenInput, {
      name: values.name,
      role: values.role,
      expiresInDays: days === "" ? undefined : Number(days),
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (checked.ok) create.mutate(checked.data);
  };

  return (
    <FormCard
      title="Create an API token"
      description="For scripts and monitoring: send it as “Authorization: Bearer <token>”. It acts with the role you give it."
      onSubmit={onSubmit}
      mutation={create}
      submitLabel="Create token"
      pendingLabel="Creating…"
      submitTestId="create-token-submit"
      data-testid="create-token"
    >
      <TextField
        label="Name"
        placeholder="e.g. monitoring"
        autoComplete="off"
        data-testid="token-name"
        error={errors.name}
        {...bind("name")}
      />
      <SelectField
        label="Role"
        options={ROLE_OPTIONS}
        hint={ROLE_HINT}
        data-testid="token-role"
        error={errors.role}
        {...bind("role")}
      />
      <TextField
        label="Expires after (days)"
        type="number"
        inputMode="numeric"
        min={1}
        max={3650}
        placeholder="never"
        hint="Leave empty for a token that does not expire."
        data-testid="token-expiry"
        error={errors.expiresInDays}
        {...bind("expiresInDays")}
      />
    </FormCard>
  );
}
