import { ZCreateApiTokenInput } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import { SelectField, TextField } from "../../components/ui/Field";
import { describeError } from "../../lib/errors";
import { type FieldErrors, useFormValues, validate } from "../../lib/forms";
import { ROLE_HINT, ROLE_OPTIONS } from "../../lib/roles";
import { useTRPC } from "../../lib/trpc";
import type { CreatedToken } from "./ApiTokensPage";

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
    <Card
      title="Create an API token"
      description="For scripts and monitoring: send it as “Authorization: Bearer <token>”. It acts with the role you give it."
    >
      <form onSubmit={onSubmit} noValidate data-testid="create-token" className="space-y-4">
        {create.error ? (
          <Alert tone="error" data-testid="form-error">
            {describeError(create.error).message}
          </Alert>
        ) : null}
        <div className="grid gap-4 md:grid-cols-3">
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
        </div>
        <Button
          type="submit"
          variant="primary"
          disabled={create.isPending}
          data-testid="create-token-submit"
        >
          {create.isPending ? "Creating…" : "Create token"}
        </Button>
      </form>
    </Card>
  );
}
